package io.tokenwatch.producer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes a client's counters to Micrometer as {@code tokenwatch.producer.events{result=…}}. Only
 * usable when Micrometer is on the service's classpath (it is an optional dependency).
 */
public final class TokenwatchMeterBinder implements MeterBinder {
    private final ProducerCounters counters;

    public TokenwatchMeterBinder(TokenwatchClient client) {
        this.counters = client.counters();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        bind(registry, "sent", counters.sent);
        bind(registry, "failed", counters.failed);
        bind(registry, "spilled", counters.spilled);
        bind(registry, "replayed", counters.replayed);
        bind(registry, "dropped", counters.dropped);
        bind(registry, "invalid", counters.invalid);
        bind(registry, "unpriced", counters.unpriced);
        bind(registry, "unencodable", counters.unencodable);
    }

    private static void bind(MeterRegistry registry, String result, AtomicLong value) {
        FunctionCounter.builder("tokenwatch.producer.events", value, AtomicLong::doubleValue)
                .tag("result", result).description("Tokenwatch events by what happened to them").register(registry);
    }
}
