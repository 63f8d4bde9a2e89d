package io.tokenwatch.runtime.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The value kinds Tokenwatch's settings have beyond {@link ConfigDef.Type}: ISO-8601 durations, topic
 * names, optional paths and comma-separated lists, each with a validator that names the key.
 */
public final class SettingTypes {
    private SettingTypes() {
    }

    /** A positive ISO-8601 duration such as PT1H, PT30M or P7D. */
    public static final ConfigDef.Validator POSITIVE_DURATION = ConfigDef.LambdaValidator.with(
            (key, value) -> parseDuration(key, (String) value), () -> "an ISO-8601 duration such as PT1H, PT30M, P7D");

    /** A Kafka topic name. */
    public static final ConfigDef.Validator TOPIC_NAME = ConfigDef.LambdaValidator.with((key, value) -> {
        String name = ((String) value).trim();
        if (!name.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new ConfigException(key, name, "not a valid topic name");
        }
    }, () -> "a topic name");

    /** A topic name, or empty for none. */
    public static final ConfigDef.Validator OPTIONAL_TOPIC_NAME = ConfigDef.LambdaValidator.with((key, value) -> {
        if (!((String) value).isBlank()) {
            TOPIC_NAME.ensureValid(key, value);
        }
    }, () -> "a topic name, or empty for none");

    /** An absolute http(s) URL. */
    public static final ConfigDef.Validator HTTP_URL = ConfigDef.LambdaValidator.with((key, value) -> {
        String raw = ((String) value).trim();
        try {
            URI uri = new URI(raw);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new ConfigException(key, raw, "expected an http:// or https:// URL");
            }
        } catch (URISyntaxException e) {
            throw new ConfigException(key, raw, "expected an http:// or https:// URL");
        }
    }, () -> "an http(s) URL");

    public static Duration parseDuration(String key, String raw) {
        String trimmed = raw == null ? "" : raw.trim();
        try {
            Duration d = Duration.parse(trimmed.toUpperCase(Locale.ROOT));
            if (d.isNegative() || d.isZero()) {
                throw new ConfigException(key, trimmed, "must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new ConfigException(key, trimmed, "expected an ISO-8601 duration such as PT1H, PT30M, P7D");
        }
    }

    public static Optional<Path> optionalPath(String raw) {
        return raw == null || raw.isBlank() ? Optional.empty() : Optional.of(Path.of(raw.trim()));
    }

    public static Optional<String> optional(String raw) {
        return raw == null || raw.isBlank() ? Optional.empty() : Optional.of(raw.trim());
    }

    /** Comma-separated items, trimmed, empty ones dropped. */
    public static List<String> list(String raw) {
        return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public static double parseDouble(String key, String raw) {
        try {
            return Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, raw, "expected a number");
        }
    }
}
