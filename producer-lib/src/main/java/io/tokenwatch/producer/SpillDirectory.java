package io.tokenwatch.producer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;

/**
 * The spill directory one client holds: created owner-only ({@code rwx------}), never through a
 * symbolic link or in a directory another user owns, and locked for as long as the client runs, so two
 * clients never interleave records in one file. A client that finds the directory locked takes the
 * first free {@code client-N} directory inside it (whose events a later client on that slot replays).
 */
final class SpillDirectory implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(SpillDirectory.class);
    static final int SLOTS = 16;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final String LOCK_FILE = ".lock";

    private final Path path;
    private final FileChannel lockFile;
    private final FileLock lock;

    private SpillDirectory(Path path, FileChannel lockFile, FileLock lock) {
        this.path = path;
        this.lockFile = lockFile;
        this.lock = lock;
    }

    /** The default: {@code ~/.tokenwatch/spill}, per user and surviving a reboot (a temp directory may not). */
    static Path defaultBase() {
        return Path.of(System.getProperty("user.home"), ".tokenwatch", "spill");
    }

    /** Locks {@code base}, or the first free slot inside it when another client holds it. */
    static SpillDirectory lock(Path base) throws IOException {
        for (int slot = 1; slot <= SLOTS; slot++) {
            Path dir = slot == 1 ? base : base.resolve("client-" + slot);
            ownerOnlyDirectory(dir);
            FileChannel channel = openLockFile(dir);
            FileLock lock = tryLock(channel);
            if (lock != null) {
                if (slot > 1) {
                    LOG.info("Spill directory {} is in use by another Tokenwatch client: this one spills to {}", base, dir);
                }
                return new SpillDirectory(dir, channel, lock);
            }
            channel.close();
        }
        throw new IOException("all " + SLOTS + " spill directories under " + base + " are in use by other Tokenwatch clients");
    }

    Path path() {
        return path;
    }

    /**
     * Removes {@code dir} when it holds nothing to replay and no client holds it: for a command that
     * spills only while Kafka is away and should leave no empty directory behind. True if it was removed.
     */
    static boolean removeIfEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel channel = openLockFile(dir)) {
            if (tryLock(channel) == null) {
                return false;
            }
            try (var entries = Files.list(dir)) {
                if (entries.anyMatch(entry -> !entry.getFileName().toString().equals(LOCK_FILE))) {
                    return false;
                }
            }
            Files.delete(dir.resolve(LOCK_FILE));
            Files.delete(dir);
            return true;
        }
    }

    private static FileChannel openLockFile(Path dir) throws IOException {
        return FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /** The lock of {@code channel}'s file, or null when another client holds it (another process, or this JVM). */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockFile.close();
    }

    /** Creates {@code dir} (and missing parents) owner-only; refuses a symbolic link or a directory of another user. */
    private static void ownerOnlyDirectory(Path dir) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createDirectories(dir);
            }
        }
        if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("spill directory " + dir + " is a symbolic link or not a directory: refused");
        }
        if (!posix) {
            return;
        }
        UserPrincipal owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS);
        UserPrincipal me = currentUser(dir);
        if (me != null && !owner.equals(me)) {
            throw new IOException("spill directory " + dir + " belongs to " + owner.getName() + ", not to " + me.getName() + ": refused");
        }
        if (!Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        }
    }

    /** Who this process runs as: the owner of a file it has just created. */
    private static UserPrincipal currentUser(Path near) throws IOException {
        Path probe = Files.createTempFile(near, ".owner", "");
        try {
            return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
