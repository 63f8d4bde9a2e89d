package io.tokenwatch.producer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpillFileTest {

    @Test
    void aTornTailIsCutOffAndEveryWholeRecordBeforeAndAfterItIsReplayed() throws Exception {
        Path dir = Files.createTempDirectory("tw-spill-torn");
        try (SpillFile spill = new SpillFile(dir, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                assertThat(spill.append((byte) 'C', ("before-" + i).getBytes(StandardCharsets.UTF_8))).isTrue();
            }
        }
        // A crash in the middle of a write: the 13-byte frame of a fourth record and 4 bytes of its body.
        Path file = dir.resolve("tokenwatch-spill.bin");
        byte[] whole = Files.readAllBytes(file);
        byte[] torn = Arrays.copyOfRange(whole, 0, 13 + 4);
        Files.write(file, torn, StandardOpenOption.APPEND);
        try (SpillFile reopened = new SpillFile(dir, 1 << 20)) {
            assertThat(Files.size(file)).as("the torn tail is cut off on open").isEqualTo(whole.length);
            for (int i = 0; i < 2; i++) {
                reopened.append((byte) 'O', ("after-" + i).getBytes(StandardCharsets.UTF_8));
            }
            assertThat(replayed(reopened)).containsExactly("C before-0", "C before-1", "C before-2", "O after-0", "O after-1");
        }
    }

    @Test
    void aDamagedRecordInTheMiddleIsSkippedAndWhatFollowsIsKept() throws Exception {
        Path dir = Files.createTempDirectory("tw-spill-damaged");
        try (SpillFile spill = new SpillFile(dir, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                spill.append((byte) 'C', ("call-" + i).getBytes(StandardCharsets.UTF_8));
            }
        }
        Path file = dir.resolve("tokenwatch-spill.bin");
        byte[] bytes = Files.readAllBytes(file);
        int recordLength = bytes.length / 3;
        bytes[recordLength + recordLength - 1] ^= 0x5a; // the last body byte of the second record: its checksum no longer holds
        Files.write(file, bytes);
        try (SpillFile spill = new SpillFile(dir, 1 << 20)) {
            assertThat(replayed(spill)).containsExactly("C call-0", "C call-2");
        }
    }

    @Test
    void aFrameDeclaringAHugeLengthIsNotAllocated() throws Exception {
        Path dir = Files.createTempDirectory("tw-spill-huge");
        // The sync marker, a kind, a length of 2^31-1 and a checksum, then nothing.
        Files.write(dir.resolve("tokenwatch-spill.bin"), new byte[] {'T', 'W', 'S', '1', 'C', 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 1, 2});
        try (SpillFile spill = new SpillFile(dir, 1 << 20)) {
            assertThat(spill.isEmpty()).as("nothing whole in it: cut to nothing").isTrue();
        }
    }

    @Test
    void aSecondClientOnTheSameDirectoryTakesItsOwnAndNeverInterleaves() throws Exception {
        Path base = Files.createTempDirectory("tw-spill-shared").resolve("spill");
        try (SpillDirectory first = SpillDirectory.lock(base); SpillDirectory second = SpillDirectory.lock(base)) {
            assertThat(first.path()).isEqualTo(base);
            assertThat(second.path()).isEqualTo(base.resolve("client-2"));
        }
        try (SpillDirectory again = SpillDirectory.lock(base)) {
            assertThat(again.path()).as("released on close").isEqualTo(base);
        }
    }

    @Test
    void theDirectoryIsOwnerOnlyAndASymbolicLinkIsRefused() throws Exception {
        Path parent = Files.createTempDirectory("tw-spill-perms");
        Path base = parent.resolve("spill");
        try (SpillDirectory dir = SpillDirectory.lock(base)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path()))).isEqualTo("rwx------");
        }
        Path elsewhere = Files.createDirectories(parent.resolve("planted"));
        Path link = Files.createSymbolicLink(parent.resolve("link"), elsewhere);
        assertThatThrownBy(() -> SpillDirectory.lock(link)).isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
    }

    private static List<String> replayed(SpillFile spill) throws IOException {
        List<String> entries = new ArrayList<>();
        try (SpillFile.Replay replay = spill.takeForReplay()) {
            replay.forEach(e -> entries.add((char) e.kind() + " " + new String(e.bytes(), StandardCharsets.UTF_8)));
        }
        spill.replayDone();
        return entries;
    }
}
