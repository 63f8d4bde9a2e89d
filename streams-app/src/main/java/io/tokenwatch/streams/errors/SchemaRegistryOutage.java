package io.tokenwatch.streams.errors;

import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A schema registry that cannot be reached is not bad input: decoding is retried with backoff (the
 * stream thread pauses), and only after {@code tokenwatch.registry.unavailable.timeout} does the
 * instance fail, without committing, so the records are read again after a restart. Nothing is
 * dead-lettered for it.
 */
public final class SchemaRegistryOutage {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryOutage.class);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final Duration failAfter;

    public SchemaRegistryOutage(Duration failAfter) {
        this.failAfter = failAfter;
    }

    /** The registry stayed unreachable for longer than allowed: fails the instance. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code decode}, retrying while the failure is the registry being unreachable. */
    public <T> T decode(String topic, Supplier<T> decode) {
        long start = System.nanoTime();
        long backoff = FIRST_BACKOFF_MS;
        int attempts = 0;
        while (true) {
            try {
                T value = decode.get();
                if (attempts > 0) {
                    LOG.info("Schema registry reachable again after {} retries; decoding of {} goes on", attempts, topic);
                }
                return value;
            } catch (SerializationException e) {
                if (!isOutage(e)) {
                    throw e;
                }
                Duration waited = Duration.ofNanos(System.nanoTime() - start);
                if (waited.compareTo(failAfter) >= 0) {
                    throw new Unavailable("Schema registry unreachable for " + waited.toSeconds() + " s (tokenwatch.registry.unavailable.timeout="
                            + failAfter + ") while decoding " + topic + ": stopping without committing, nothing is lost", e);
                }
                if (attempts++ == 0) {
                    LOG.warn("Schema registry unreachable while decoding {}: pausing and retrying for up to {} ({})", topic, failAfter, e.getMessage());
                }
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    /** Our serde says so in its message; Confluent's wraps the I/O error of its REST client. */
    static boolean isOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("schema registry unavailable") || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("Interrupted while waiting for the schema registry", e);
        }
    }
}
