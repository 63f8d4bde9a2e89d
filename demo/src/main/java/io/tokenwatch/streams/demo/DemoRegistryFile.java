package io.tokenwatch.streams.demo;

import io.tokenwatch.registry.MockSchemaRegistry;
import org.apache.avro.Schema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The demo's in-process schema registry, kept in its {@code --data-dir}: the records on the kept
 * broker carry schema ids, and a restarted demo must give the same schemas the same ids. One line
 * per registration, in order: subject, a tab, the schema's JSON.
 */
final class DemoRegistryFile {
    private static final String FILE = "schema-registry.tsv";

    private DemoRegistryFile() {
    }

    /** Registers what {@code dataDir} holds, in its order (nothing for a new directory). */
    static void load(Path dataDir, MockSchemaRegistry registry) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return;
        }
        for (String line : Files.readAllLines(file)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                registry.register(line.substring(0, tab), new Schema.Parser().parse(line.substring(tab + 1)));
            }
        }
    }

    static void save(Path dataDir, MockSchemaRegistry registry) throws IOException {
        List<Map.Entry<String, Schema>> registrations = registry.registrations();
        StringBuilder text = new StringBuilder();
        registrations.forEach(r -> text.append(r.getKey()).append('\t').append(r.getValue().toString()).append('\n'));
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
