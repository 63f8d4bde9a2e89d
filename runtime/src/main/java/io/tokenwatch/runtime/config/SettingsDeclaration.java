package io.tokenwatch.runtime.config;

import org.apache.kafka.common.config.ConfigDef;

/**
 * One component's {@code tokenwatch.*} settings, declared next to its code and found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.tokenwatch.runtime.config.SettingsDeclaration}),
 * so every process checks a configuration file against the keys of every component it carries, and
 * the README's settings table is generated from the same declarations.
 */
public interface SettingsDeclaration {
    /** The heading of this component's keys in the settings table, e.g. "Slack notifier". */
    String component();

    /** The keys, their types, defaults, validators and one-line meanings. */
    ConfigDef definition();

    /**
     * Builds the component's settings once from a loaded configuration, so a rule that spans several
     * keys (or parses a structured value) fails at load, naming its key, in every process.
     */
    default void check(TokenwatchConfig config) {
    }
}
