package io.tokenwatch.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.AvroRuntimeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checks that every schema in a directory stays backward and forward compatible with its previous
 * released version (Avro's own {@link SchemaCompatibility}): new readers read old data and old
 * readers read new data. Schemas without a previous version are new and always pass.
 */
public final class SchemaEvolutionGuard {

    private SchemaEvolutionGuard() {
    }

    /** Human-readable violations, empty when the change is safe. */
    public static List<String> violations(Path previousDir, Path currentDir) {
        Map<String, Schema> previous = loadTopLevel(previousDir);
        Map<String, Schema> current = loadTopLevel(currentDir);
        List<String> violations = new ArrayList<>();
        previous.forEach((name, old) -> {
            Schema now = current.get(name);
            if (now == null) {
                violations.add(name + ": removed (readers of the previous version would lose it)");
                return;
            }
            check(name, "backward (new reader, old data)", now, old, violations);
            check(name, "forward (old reader, new data)", old, now, violations);
        });
        return violations;
    }

    private static void check(String name, String direction, Schema reader, Schema writer, List<String> violations) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        if (result.getCompatibility() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            result.getIncompatibilities().forEach(incompatibility -> violations.add(name + ": not " + direction + ": "
                    + incompatibility.getType() + " at " + incompatibility.getLocation() + " (" + incompatibility.getMessage() + ")"));
        }
    }

    /**
     * Parses every {@code .avsc} file under {@code dir}, in whatever order the named-type references
     * allow, and returns the schema of each file by full name.
     */
    public static Map<String, Schema> loadTopLevel(Path dir) {
        List<Path> pending;
        try (Stream<Path> files = Files.walk(dir)) {
            pending = new ArrayList<>(files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> schemas = new LinkedHashMap<>();
        while (!pending.isEmpty()) {
            List<Path> unresolved = new ArrayList<>();
            AvroRuntimeException lastError = null;
            for (Path file : pending) {
                try {
                    Schema schema = parser.parse(Files.readString(file));
                    schemas.put(schema.getFullName(), schema);
                } catch (AvroRuntimeException e) {
                    // Most likely refers to a type defined in a file not parsed yet: try again next round.
                    unresolved.add(file);
                    lastError = e;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (unresolved.size() == pending.size()) {
                throw new IllegalStateException("Cannot parse " + unresolved + ": " + lastError.getMessage(), lastError);
            }
            pending = unresolved;
        }
        return schemas;
    }

    /** Command-line form: {@code SchemaEvolutionGuard <previous dir> <current dir>}; exit 1 on violations. */
    public static void main(String[] args) {
        List<String> violations = violations(Path.of(args[0]), Path.of(args[1]));
        violations.forEach(v -> System.err.println("schema evolution: " + v));
        if (!violations.isEmpty()) {
            System.exit(1);
        }
        System.out.println("schema evolution: all schemas compatible with their previous version");
    }
}
