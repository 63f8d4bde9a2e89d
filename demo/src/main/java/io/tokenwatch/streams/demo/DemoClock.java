package io.tokenwatch.streams.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How far a demo kept in {@code --data-dir} got in event time, so a restart continues from there
 * (its broker and state hold everything before) instead of writing its history again.
 */
final class DemoClock {
    private static final String FILE = "demo-event-time";

    private DemoClock() {
    }

    /** The event time a demo on {@code dataDir} reached once its history was processed; empty for a new directory. */
    static Optional<Instant> resumePoint(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(Files.readString(file).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        } catch (DateTimeParseException e) {
            throw new IllegalStateException(file + " does not hold an instant: " + e.getParsedString());
        }
    }

    /** Replaces the saved point atomically: a kill mid-write leaves the previous one. */
    static void save(Path dataDir, Instant reached) throws IOException {
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, reached.toString() + "\n");
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
