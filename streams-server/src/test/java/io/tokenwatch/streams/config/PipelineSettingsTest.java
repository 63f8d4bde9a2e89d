package io.tokenwatch.streams.config;

import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.anomaly.Metric;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PipelineSettingsTest {
    private static final Map<String, String> REQUIRED = Map.of("bootstrap.servers", "k:9092", "schema.registry.url", "http://sr:8081");

    @Test
    void theStreamProcessorsKeysComeFromFileEnvironmentAndOverrides() throws Exception {
        Path file = Files.createTempFile("tw", ".properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nschema.registry.url=http://sr:8081\ntokenwatch.anomaly.threshold=0.5\ntokenwatch.dimensions=task,team\n");
        PipelineSettings pipeline = PipelineSettings.of(TokenwatchConfig.load(file, Map.of("TOKENWATCH_ANOMALY_THRESHOLD", "0.4"),
                Map.of("tokenwatch.window.size", "PT30M", "tokenwatch.anomaly.metrics", "cost_per_call,retry_rate")));
        assertThat(pipeline.threshold).isEqualTo(0.4);
        assertThat(pipeline.dimensions).containsExactly("task", "team");
        assertThat(pipeline.windowSize).isEqualTo(Duration.ofMinutes(30));
        assertThat(pipeline.slotsPerDay()).isEqualTo(48);
        assertThat(pipeline.metrics).containsExactlyInAnyOrder(Metric.fromId("cost_per_call"), Metric.fromId("retry_rate"));
        assertThat(pipeline.topology().window()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void badValuesStopStartUpNamingTheKey() {
        List<Map.Entry<String, String>> bad = List.of(
                Map.entry("tokenwatch.anomaly.threshold", "lots"),
                Map.entry("tokenwatch.anomaly.threshold", "0"),
                Map.entry("tokenwatch.window.size", "PT7M"),
                Map.entry("tokenwatch.dimensions", "task,planet"),
                Map.entry("tokenwatch.anomaly.metrics", "tokens_per_cal"),
                Map.entry("tokenwatch.anomaly.severity.steps", "2.0,high"),
                Map.entry("tokenwatch.outcome.window", "a day"),
                Map.entry("tokenwatch.anomaly.treshold", "0.3"));
        for (Map.Entry<String, String> entry : bad) {
            Map<String, String> settings = new HashMap<>(REQUIRED);
            settings.put(entry.getKey(), entry.getValue());
            assertThatThrownBy(() -> TokenwatchConfig.of(settings)).as(entry.getKey() + "=" + entry.getValue())
                    .isInstanceOf(ConfigException.class).hasMessageContaining(entry.getKey());
        }
    }
}
