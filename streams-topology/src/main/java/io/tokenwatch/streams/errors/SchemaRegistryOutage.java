package io.tokenwatch.streams.errors;

import io.tokenwatch.registry.SchemaRegistryException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A schema registry that cannot be reached is not bad input: (de)serializing is retried with backoff (the
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

    /** Whether {@code exception} is (or was caused by) an outage that outlasted the timeout. */
    public static boolean causedBy(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof Unavailable) {
                return true;
            }
        }
        return false;
    }

    /** {@code serde} with both directions retried through registry outages. */
    public <T> Serde<T> wrap(Serde<T> serde) {
        Serializer<T> serializer = serde.serializer();
        Deserializer<T> deserializer = serde.deserializer();
        return Serdes.serdeFrom(new Serializer<>() {
            @Override
            public byte[] serialize(String topic, T data) {
                return retrying(topic, () -> serializer.serialize(topic, data));
            }

            @Override
            public byte[] serialize(String topic, Headers headers, T data) {
                return retrying(topic, () -> serializer.serialize(topic, headers, data));
            }
        }, new Deserializer<>() {
            @Override
            public T deserialize(String topic, byte[] data) {
                return retrying(topic, () -> deserializer.deserialize(topic, data));
            }

            @Override
            public T deserialize(String topic, Headers headers, byte[] data) {
                return retrying(topic, () -> deserializer.deserialize(topic, headers, data));
            }
        });
    }

    /** Runs {@code work}, retrying while the failure is the registry being unreachable. */
    public <T> T retrying(String topic, Supplier<T> work) {
        long start = System.nanoTime();
        long backoff = FIRST_BACKOFF_MS;
        int attempts = 0;
        while (true) {
            try {
                T value = work.get();
                if (attempts > 0) {
                    LOG.info("Schema registry reachable again after {} retries; records of {} go on", attempts, topic);
                }
                return value;
            } catch (SerializationException e) {
                if (!isOutage(e)) {
                    throw e;
                }
                Duration waited = Duration.ofNanos(System.nanoTime() - start);
                if (waited.compareTo(failAfter) >= 0) {
                    throw new Unavailable("Schema registry unreachable for " + waited.toSeconds() + " s (tokenwatch.registry.unavailable.timeout="
                            + failAfter + ") for a record of " + topic + ": stopping without committing, nothing is lost", e);
                }
                if (attempts++ == 0) {
                    LOG.warn("Schema registry unreachable for a record of {}: pausing and retrying for up to {} ({})", topic, failAfter, e.getMessage());
                }
                sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    /**
     * A registry that could not be reached or would not answer (5xx, 401, 403, 408, 429): our client's
     * {@link SchemaRegistryException} (or the reader's message saying so), an I/O error, or Confluent's
     * client naming such an error code.
     */
    public static boolean isOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SchemaRegistryException registry) {
                return registry.isUnavailable();
            }
            String message = String.valueOf(t.getMessage());
            if (t instanceof IOException || message.contains("schema registry unavailable")
                    || (t.getClass().getSimpleName().equals("RestClientException") && message.matches("(?s).*error code: (5\\d\\d|401|403|408|429).*"))) {
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
