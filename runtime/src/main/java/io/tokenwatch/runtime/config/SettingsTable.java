package io.tokenwatch.runtime.config;

import org.apache.kafka.common.config.ConfigDef;

import java.util.List;

/** The settings reference, generated from the components' declarations: the README's table is this text. */
public final class SettingsTable {
    private SettingsTable() {
    }

    /** One Markdown table per component, its keys in declaration order. */
    public static String markdown(List<SettingsDeclaration> declarations) {
        StringBuilder out = new StringBuilder();
        for (SettingsDeclaration declaration : declarations) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append("#### ").append(declaration.component()).append("\n\n| key | default | |\n|---|---|---|\n");
            for (ConfigDef.ConfigKey key : declaration.definition().configKeys().values()) {
                out.append("| `").append(key.name).append("` | ").append(shownDefault(key)).append(" | ")
                        .append(key.documentation.replace("|", "\\|")).append(" |\n");
            }
        }
        return out.toString();
    }

    private static String shownDefault(ConfigDef.ConfigKey key) {
        if (!key.hasDefault()) {
            return "(required)";
        }
        Object value = key.type == ConfigDef.Type.PASSWORD ? null : key.defaultValue;
        String text = value == null ? "" : value.toString();
        return text.isEmpty() ? "(none)" : "`" + text.replace("|", "\\|") + "`";
    }
}
