package io.tokenwatch.runtime.config;

import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** A component declared the way each real one is (found by the service loader), to test that its keys are loaded and checked. */
public final class TestComponentSettings extends SettingsDeclaration {
    static final ConfigDef DEFINITION = new ConfigDef().define("tokenwatch.test.greeting", Type.STRING, "hello", Importance.LOW, "What it says.");

    static String greeting(TokenwatchConfig config) {
        String greeting = config.values(DEFINITION).string("tokenwatch.test.greeting");
        if (!greeting.equals(greeting.toLowerCase(java.util.Locale.ROOT)) || greeting.equals("shout")) {
            throw new ConfigException("tokenwatch.test.greeting", greeting, "no shouting");
        }
        return greeting;
    }

    public TestComponentSettings() {
        super("Test component", DEFINITION, TestComponentSettings::greeting);
    }
}
