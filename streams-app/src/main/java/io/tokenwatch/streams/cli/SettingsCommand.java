package io.tokenwatch.streams.cli;

import io.tokenwatch.runtime.config.SettingsTable;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tokenwatch settings}: every {@code tokenwatch.*} key of every component, its default and meaning. */
@Command(name = "settings", mixinStandardHelpOptions = true,
        description = {"Prints every tokenwatch.* setting of every component with its default and meaning (Markdown; the README's table is this output)."})
public final class SettingsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(SettingsTable.markdown(TokenwatchConfig.declarations()));
        spec.commandLine().getOut().flush();
    }
}
