package io.tokenwatch.streams.config;

import io.tokenwatch.otlp.GenAiMapping;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The OpenTelemetry intake: the OTLP/HTTP receiver on the app's HTTP port, and the optional Kafka input.
 *
 * @param enabled      {@code POST /v1/traces} is served ({@code tokenwatch.otlp.enabled})
 * @param token        bearer token exporters must present ({@code tokenwatch.otlp.token}, else {@code tokenwatch.http.token})
 * @param maxBodyBytes largest export taken, after gzip ({@code tokenwatch.otlp.max.body.bytes})
 * @param spillDir     where calls wait while Kafka is away ({@code tokenwatch.otlp.spill.dir}, else {@code <state.dir>/otlp-spill})
 * @param topic        a topic of OTLP trace exports, e.g. from a Collector's Kafka exporter ({@code tokenwatch.otlp.topic})
 * @param mapping      attribution from span and resource attributes ({@code tokenwatch.otlp.map.<field>})
 */
public record OtlpSettings(boolean enabled, Optional<String> token, long maxBodyBytes, Path spillDir, Optional<String> topic, GenAiMapping mapping) {
    public static final String MAP_PREFIX = "tokenwatch.otlp.map.";
}
