package io.tokenwatch.runtime.config;

import org.apache.kafka.common.config.ConfigDef;

import java.util.function.Consumer;

/**
 * One component's {@code tokenwatch.*} settings, declared next to its code and found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.tokenwatch.runtime.config.SettingsDeclaration}),
 * so every process checks a configuration file against the keys of every component it carries, and
 * the README's settings table is generated from the same declarations. A component registers a
 * subclass with a no-argument constructor.
 */
public abstract class SettingsDeclaration {
    private final String component;
    private final ConfigDef definition;
    private final Consumer<TokenwatchConfig> check;

    /**
     * @param component  the heading of the keys in the settings table, e.g. "Slack notifier"
     * @param definition the keys, their types, defaults, validators and one-line meanings
     * @param check      builds the component's settings once from a loaded configuration, so a rule that spans
     *                   several keys (or parses a structured value) fails at load, naming its key, in every process
     */
    protected SettingsDeclaration(String component, ConfigDef definition, Consumer<TokenwatchConfig> check) {
        this.component = component;
        this.definition = definition;
        this.check = check;
    }

    public final String component() {
        return component;
    }

    public final ConfigDef definition() {
        return definition;
    }

    final void check(TokenwatchConfig config) {
        check.accept(config);
    }
}
