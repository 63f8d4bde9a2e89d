package io.tokenwatch.runtime.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.runtime.kafka.ExpectedKafkaWarnings;

/**
 * The meter registry of one Tokenwatch process, scraped on its {@code /metrics}: every meter carries an
 * {@code application} tag naming the command (run, notify-slack, reconcile), so one Prometheus job over
 * every pod tells them apart; names are {@code tokenwatch_<component>_<name>} with their base unit.
 * Each also counts the expected Kafka warnings its log left out.
 */
public final class ProcessMetrics {
    public static final String APPLICATION_TAG = "application";

    private ProcessMetrics() {
    }

    public static PrometheusMeterRegistry registry(String command) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(APPLICATION_TAG, command);
        ExpectedKafkaWarnings.bindTo(registry);
        return registry;
    }
}
