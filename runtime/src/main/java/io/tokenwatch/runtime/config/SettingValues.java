package io.tokenwatch.runtime.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.types.Password;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One component's settings, parsed and validated by its {@link ConfigDef}, read by key with their declared types. */
public final class SettingValues {
    private final Map<String, Object> parsed;

    SettingValues(ConfigDef definition, Map<String, String> raw) {
        this.parsed = definition.parse(raw);
    }

    public String string(String key) {
        return ((String) parsed.get(key)).trim();
    }

    public Optional<String> optionalString(String key) {
        return SettingTypes.optional(string(key));
    }

    public int integer(String key) {
        return (Integer) parsed.get(key);
    }

    public long longValue(String key) {
        return (Long) parsed.get(key);
    }

    public double decimal(String key) {
        return (Double) parsed.get(key);
    }

    public boolean bool(String key) {
        return (Boolean) parsed.get(key);
    }

    public Duration duration(String key) {
        return SettingTypes.parseDuration(key, string(key));
    }

    public List<String> list(String key) {
        return SettingTypes.list(string(key));
    }

    public Optional<Path> optionalPath(String key) {
        return SettingTypes.optionalPath(string(key));
    }

    /** A secret: empty when not set; its value is never part of an error or a log line. */
    public Optional<String> secret(String key) {
        return Optional.ofNullable((Password) parsed.get(key)).map(Password::value).map(String::trim).filter(s -> !s.isEmpty());
    }
}
