package io.tokenwatch.otlp;

import io.tokenwatch.runtime.config.SettingTypes;
import io.tokenwatch.runtime.config.SettingValues;
import io.tokenwatch.runtime.config.SettingsDeclaration;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenTelemetry intake: the OTLP/HTTP receiver on the app's HTTP port, and the optional Kafka input.
 *
 * @param enabled      {@code POST /v1/traces} is served ({@code tokenwatch.otlp.enabled})
 * @param token        bearer token exporters must present ({@code tokenwatch.otlp.token}, else {@code tokenwatch.http.token})
 * @param allowUnauthenticated the operator opted out of the token ({@code tokenwatch.otlp.allow.unauthenticated})
 * @param maxBodyBytes largest export taken, after gzip ({@code tokenwatch.otlp.max.body.bytes})
 * @param spillDir     where calls wait while Kafka is away ({@code tokenwatch.otlp.spill.dir}, else {@code <state.dir>/otlp-spill})
 * @param topic        a topic of OTLP trace exports, e.g. from a Collector's Kafka exporter ({@code tokenwatch.otlp.topic})
 * @param mapping      attribution from span and resource attributes ({@code tokenwatch.otlp.map.<field>})
 */
public record OtlpSettings(boolean enabled, Optional<String> token, boolean allowUnauthenticated, long maxBodyBytes, Path spillDir, Optional<String> topic,
                           GenAiMapping mapping) {
    public static final String ENABLED = "tokenwatch.otlp.enabled";
    public static final String TOKEN = "tokenwatch.otlp.token";
    public static final String ALLOW_UNAUTHENTICATED = "tokenwatch.otlp.allow.unauthenticated";
    public static final String MAP_PREFIX = "tokenwatch.otlp.map.";
    public static final ConfigDef DEFINITION = definition();

    private static ConfigDef definition() {
        ConfigDef d = new ConfigDef()
                .define(ENABLED, Type.BOOLEAN, true, Importance.HIGH, "Serve OTLP/HTTP trace exports on POST /v1/traces of run's HTTP port.")
                .define(TOKEN, Type.PASSWORD, "", Importance.HIGH, "Bearer token exporters must present; else tokenwatch.http.token.")
                .define(ALLOW_UNAUTHENTICATED, Type.BOOLEAN, false, Importance.HIGH,
                        "Take spans without a token; without it (or a token), run refuses to start with the intake on.")
                .define("tokenwatch.otlp.max.body.bytes", Type.LONG, 4L * 1024 * 1024, ConfigDef.Range.atLeast(1), Importance.LOW,
                        "Largest export taken, after gzip (413 above).")
                .define("tokenwatch.otlp.spill.dir", Type.STRING, "", Importance.LOW,
                        "Where received calls wait while Kafka is away; empty for <state.dir>/otlp-spill.")
                .define("tokenwatch.otlp.topic", Type.STRING, "", SettingTypes.OPTIONAL_TOPIC_NAME, Importance.MEDIUM,
                        "A topic of OTLP trace exports (protobuf or JSON), e.g. from a Collector's Kafka exporter; empty for none.");
        GenAiMapping.DEFAULTS.forEach((field, attributes) -> d.define(MAP_PREFIX + field.setting, Type.STRING, String.join(",", attributes),
                Importance.LOW, "Span or resource attributes the call's " + field.setting + " is read from, in order, after tokenwatch." + field.setting + "."));
        return d;
    }

    /** The intake's settings in a loaded configuration. */
    public static OtlpSettings of(TokenwatchConfig config) {
        SettingValues v = config.values(DEFINITION);
        Map<GenAiMapping.Field, List<String>> attributeLists = new EnumMap<>(GenAiMapping.Field.class);
        for (GenAiMapping.Field field : GenAiMapping.Field.values()) {
            attributeLists.put(field, v.list(MAP_PREFIX + field.setting));
        }
        Path spillDir = v.optionalPath("tokenwatch.otlp.spill.dir").orElseGet(() -> Path.of(config.kafkaProperties()
                .getOrDefault(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/kafka-streams")).resolve("otlp-spill"));
        return new OtlpSettings(v.bool(ENABLED), v.secret(TOKEN).or(() -> config.httpToken), v.bool(ALLOW_UNAUTHENTICATED), v.longValue("tokenwatch.otlp.max.body.bytes"), spillDir,
                v.optionalString("tokenwatch.otlp.topic"), GenAiMapping.of(attributeLists));
    }

    /** Registers the intake's keys with every process that carries it. */
    public static final class Declaration extends SettingsDeclaration {
        public Declaration() {
            super("OpenTelemetry intake", DEFINITION, OtlpSettings::of);
        }
    }
}
