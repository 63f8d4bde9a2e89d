package io.tokenwatch.runtime.config;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The configuration options every command against a cluster shares: a properties file and overrides. */
public final class ConfigOptions {
    @Option(names = {"-c", "--config"}, description = "Properties file (Kafka Streams, serde and tokenwatch.* keys).")
    Path configFile;

    @Option(names = {"-s", "--set"}, description = "Override one setting, e.g. --set tokenwatch.anomaly.threshold=0.5 (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** Defaults, then the file, then TOKENWATCH_* environment variables, then --set. */
    public TokenwatchConfig load() {
        return TokenwatchConfig.load(configFile, System.getenv(), overrides);
    }
}
