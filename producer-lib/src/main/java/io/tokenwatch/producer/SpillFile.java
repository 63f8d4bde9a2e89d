package io.tokenwatch.producer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * A local append-only file for events that could not be handed to Kafka, in a directory this client
 * holds locked ({@link SpillDirectory}). Each record is framed as a sync marker, a kind byte, a length
 * and a CRC32C of kind and body, then the event's Avro binary; a record whose frame or checksum does
 * not hold (a torn write, a flipped byte) is skipped up to the next marker, so whatever follows it is
 * still read. Opening cuts a torn tail off, so new records never follow a partial one. Bounded in size.
 * Replay moves the file aside first, so events appended meanwhile are not lost, and reads it one
 * record at a time.
 */
final class SpillFile implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SpillFile.class);
    /** "TWS1": where a record starts. */
    private static final int SYNC = 0x54575331;
    private static final int HEADER = 4 + 1 + 4 + 4;
    /** No event comes near this; a larger length is a broken frame, not an allocation. */
    static final int MAX_RECORD = 1 << 20;

    record Entry(byte kind, byte[] bytes) {
    }

    private final Path file;
    private final Path replaying;
    private final long maxBytes;
    private FileChannel out;
    private long size;
    private boolean unsynced;

    SpillFile(Path directory, long maxBytes) throws IOException {
        this.file = directory.resolve("tokenwatch-spill.bin");
        this.replaying = directory.resolve("tokenwatch-spill.replaying");
        this.maxBytes = maxBytes;
        this.size = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? cutTornTail(file) : 0;
    }

    /** Appends an entry; false when the file is full. Durable once {@link #sync()} returns. */
    synchronized boolean append(byte kind, byte[] bytes) throws IOException {
        if (size + bytes.length + HEADER > maxBytes || bytes.length > MAX_RECORD) {
            return false;
        }
        if (out == null) {
            out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
        }
        ByteBuffer frame = ByteBuffer.allocate(HEADER + bytes.length).putInt(SYNC).put(kind).putInt(bytes.length).putInt(crc(kind, bytes))
                .put(bytes).flip();
        while (frame.hasRemaining()) {
            out.write(frame);
        }
        size += frame.limit();
        unsynced = true;
        return true;
    }

    /** Forces what was appended to the disk: after this a crash of the process or of the machine loses none of it. */
    synchronized void sync() throws IOException {
        if (out != null && unsynced) {
            out.force(false);
            unsynced = false;
        }
    }

    synchronized boolean isEmpty() {
        return size == 0 && !Files.exists(replaying, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The entries to replay now, read one at a time: those of a replay that was interrupted if there is
     * one, else the spilled file, moved aside first. Call {@link #replayDone()} once all were handled.
     */
    synchronized Replay takeForReplay() throws IOException {
        if (!Files.exists(replaying, LinkOption.NOFOLLOW_LINKS)) {
            sync();
            closeOutput();
            Files.move(file, replaying, StandardCopyOption.ATOMIC_MOVE);
            size = 0;
        }
        return new Replay(replaying);
    }

    synchronized void replayDone() throws IOException {
        Files.deleteIfExists(replaying);
    }

    @Override
    public synchronized void close() throws IOException {
        sync();
        closeOutput();
    }

    private void closeOutput() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    /** The length of the file's readable part; anything after the last whole record is cut off. */
    private static long cutTornTail(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            Reader reader = new Reader(channel);
            while (reader.next() != null) {
                // reading to the end finds the end of the last whole record
            }
            if (reader.endOfLastRecord < channel.size()) {
                LOG.warn("Spill file {} ends in {} bytes that are not a whole record (an interrupted write): cut off", path,
                        channel.size() - reader.endOfLastRecord);
                channel.truncate(reader.endOfLastRecord);
            }
            return reader.endOfLastRecord;
        }
    }

    private static int crc(byte kind, byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(kind);
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** A spill file being replayed, one record at a time. */
    static final class Replay implements Iterable<Entry>, Closeable {
        private final FileChannel channel;
        private volatile boolean readFailed;

        private Replay(Path path) throws IOException {
            this.channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public Iterator<Entry> iterator() {
            Reader reader = new Reader(channel);
            return new Iterator<>() {
                private Entry next = advance();

                private Entry advance() {
                    try {
                        return reader.next();
                    } catch (IOException e) {
                        LOG.warn("Cannot read the rest of the spill file (kept for the next replay): {}", e.toString());
                        readFailed = true;
                        return null;
                    }
                }

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public Entry next() {
                    if (next == null) {
                        throw new NoSuchElementException();
                    }
                    Entry current = next;
                    next = advance();
                    return current;
                }
            };
        }

        /** Whether reading stopped on an I/O error: the file then holds records not replayed, and must be kept. */
        boolean readFailed() {
            return readFailed;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** Reads whole records from a channel, skipping any that is broken up to the next sync marker. */
    private static final class Reader {
        private final FileChannel channel;
        private final ByteBuffer header = ByteBuffer.allocate(HEADER);
        private long position;
        private long endOfLastRecord;
        private long skipped;

        Reader(FileChannel channel) {
            this.channel = channel;
        }

        /** The next whole record, or null at the end. */
        Entry next() throws IOException {
            long end = channel.size();
            while (position + HEADER <= end) {
                header.clear();
                readFully(header, position);
                header.flip();
                int sync = header.getInt();
                byte kind = header.get();
                int length = header.getInt();
                int crc = header.getInt();
                if (sync == SYNC && length >= 0 && length <= MAX_RECORD && position + HEADER + length <= end) {
                    byte[] body = new byte[length];
                    readFully(ByteBuffer.wrap(body), position + HEADER);
                    if (crc(kind, body) == crc) {
                        report();
                        position += HEADER + length;
                        endOfLastRecord = position;
                        return new Entry(kind, body);
                    }
                }
                position++;
                skipped++;
            }
            report();
            return null;
        }

        private void report() {
            if (skipped > 0) {
                LOG.warn("Spill file: skipped {} bytes that were not a whole record (a torn or damaged write)", skipped);
                skipped = 0;
            }
        }

        private void readFully(ByteBuffer into, long at) throws IOException {
            while (into.hasRemaining()) {
                if (channel.read(into, at + into.position()) < 0) {
                    throw new IOException("spill file shrank while being read");
                }
            }
        }
    }
}
