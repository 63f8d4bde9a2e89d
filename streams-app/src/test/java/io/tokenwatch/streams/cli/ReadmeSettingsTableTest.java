package io.tokenwatch.streams.cli;

import io.tokenwatch.runtime.config.SettingsDeclaration;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's settings reference is what the components declare: a key added, renamed or redocumented without it fails here. */
class ReadmeSettingsTableTest {
    private static final String START = "<!-- settings:start -->\n";
    private static final String END = "<!-- settings:end -->";

    @Test
    void theReadmesSettingsSectionIsTheGeneratedTable() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = TokenwatchCli.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("settings")).isZero();
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf(START);
        int end = readme.indexOf(END);
        assertThat(start).as("README has the settings markers").isPositive();
        assertThat(readme.substring(start + START.length(), end))
                .as("README's settings section; regenerate it with: java -jar streams-app/target/tokenwatch.jar settings")
                .isEqualTo(out.toString());
    }

    @Test
    void everyComponentOfTheAppDeclaresItsKeysAndNoKeyIsDeclaredTwice() {
        List<SettingsDeclaration> declarations = TokenwatchConfig.declarations();
        assertThat(declarations).extracting(SettingsDeclaration::component).containsExactly(
                "Topics, input bounds and the HTTP port (every process)", "OpenTelemetry intake", "Reconciliation (reconcile)",
                "Slack notifier (notify-slack)", "Stream processor (run)");
        Set<String> seen = new HashSet<>();
        for (SettingsDeclaration declaration : declarations) {
            for (ConfigDef.ConfigKey key : declaration.definition().configKeys().values()) {
                assertThat(seen.add(key.name)).as(key.name + " declared once").isTrue();
                assertThat(key.name).startsWith(TokenwatchConfig.PREFIX);
                assertThat(key.documentation).as(key.name + " is documented").isNotBlank();
            }
        }
    }
}
