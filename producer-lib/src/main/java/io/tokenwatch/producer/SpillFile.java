package io.tokenwatch.producer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.io.BufferedInputStream;

/**
 * A local append-only file for events that could not be handed to Kafka. Records: a kind byte, a
 * length, then the event's Avro binary. Bounded in size; a torn last record (crash mid-write) is
 * skipped on read. Replay moves the file aside first, so events appended meanwhile are not lost.
 */
final class SpillFile {
    private static final Logger LOG = LoggerFactory.getLogger(SpillFile.class);

    record Entry(byte kind, byte[] bytes) {
    }

    private final Path file;
    private final Path replaying;
    private final long maxBytes;
    private DataOutputStream out;
    private long size;

    SpillFile(Path directory, long maxBytes) throws IOException {
        Files.createDirectories(directory);
        this.file = directory.resolve("tokenwatch-spill.bin");
        this.replaying = directory.resolve("tokenwatch-spill.replaying");
        this.maxBytes = maxBytes;
        this.size = Files.exists(file) ? Files.size(file) : 0;
    }

    /** Appends an entry; false when the file is full. */
    synchronized boolean append(byte kind, byte[] bytes) throws IOException {
        if (size + bytes.length + 5 > maxBytes) {
            return false;
        }
        if (out == null) {
            out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)));
        }
        out.writeByte(kind);
        out.writeInt(bytes.length);
        out.write(bytes);
        size += bytes.length + 5;
        return true;
    }

    synchronized void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    synchronized boolean isEmpty() {
        return size == 0 && !Files.exists(replaying);
    }

    /**
     * Takes every spilled entry out for replay: the file is moved aside (and merged with one left
     * from an interrupted replay). Call {@link #replayDone()} once all of them were handled.
     */
    synchronized List<Entry> takeForReplay() throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (Files.exists(replaying)) {
            read(replaying, entries);
        }
        if (size > 0) {
            close();
            read(file, entries);
            Files.move(file, replaying, StandardCopyOption.REPLACE_EXISTING);
            size = 0;
            if (!entries.isEmpty()) {
                // The moved-aside file now holds everything being replayed; rewrite it whole.
                writeAll(replaying, entries);
            }
        }
        return entries;
    }

    synchronized void replayDone() throws IOException {
        Files.deleteIfExists(replaying);
    }

    synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    private static void read(Path path, List<Entry> into) throws IOException {
        try (InputStream raw = Files.newInputStream(path); DataInputStream in = new DataInputStream(new BufferedInputStream(raw))) {
            while (true) {
                int kind = in.read();
                if (kind < 0) {
                    return;
                }
                int length = in.readInt();
                byte[] bytes = new byte[length];
                in.readFully(bytes);
                into.add(new Entry((byte) kind, bytes));
            }
        } catch (EOFException torn) {
            LOG.warn("Spill file {} ends in a partial record (interrupted write): it is skipped", path);
        }
    }

    private static void writeAll(Path path, List<Entry> entries) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path)))) {
            for (Entry e : entries) {
                out.writeByte(e.kind());
                out.writeInt(e.bytes().length);
                out.write(e.bytes());
            }
        }
    }
}
