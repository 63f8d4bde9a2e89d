package io.tokenwatch.streams.stats;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exact bytes the state formats were written with (zig-zag varints, as Kafka's record format writes them). */
class VarintsTest {
    @Test
    void intsAreZigZagVarintsSmallMagnitudesOfEitherSignInOneByte() {
        assertThat(varint(0)).isEqualTo("00");
        assertThat(varint(-1)).isEqualTo("01");
        assertThat(varint(1)).isEqualTo("02");
        assertThat(varint(63)).isEqualTo("7e");
        assertThat(varint(-64)).isEqualTo("7f");
        assertThat(varint(64)).as("zig-zag 128").isEqualTo("8001");
        assertThat(varint(300)).as("zig-zag 600 = 0x258").isEqualTo("d804");
        assertThat(varint(Integer.MAX_VALUE)).isEqualTo("feffffff0f");
        assertThat(varint(Integer.MIN_VALUE)).isEqualTo("ffffffff0f");
    }

    @Test
    void longsAreZigZagVarlongs() {
        assertThat(varlong(0)).isEqualTo("00");
        assertThat(varlong(-2)).isEqualTo("03");
        assertThat(varlong(1_700_000_000_000L)).isEqualTo("80a0abfef962");
        assertThat(varlong(Long.MIN_VALUE)).isEqualTo("ffffffffffffffffff01");
    }

    @Test
    void whatIsWrittenReadsBackAndOverlongInputIsRefused() {
        StateBuffer out = new StateBuffer(1);
        long[] longs = {0, 1, -1, 300, -300, 1_700_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE};
        int[] ints = {0, 1, -1, 300, -300, Integer.MAX_VALUE, Integer.MIN_VALUE};
        for (long v : longs) {
            Varints.writeVarlong(v, out.ensureRemaining(10));
        }
        for (int v : ints) {
            Varints.writeVarint(v, out.ensureRemaining(5));
        }
        ByteBuffer in = ByteBuffer.wrap(out.toArray());
        for (long v : longs) {
            assertThat(Varints.readVarlong(in)).isEqualTo(v);
        }
        for (int v : ints) {
            assertThat(Varints.readVarint(in)).isEqualTo(v);
        }
        assertThat(in.hasRemaining()).isFalse();
        assertThatThrownBy(() -> Varints.readVarint(ByteBuffer.wrap(HexFormat.of().parseHex("ffffffffff01")))).hasMessageContaining("longer than 5");
    }

    @Test
    void theBufferGrowsKeepingWhatWasWritten() {
        StateBuffer out = new StateBuffer(4);
        for (long i = 0; i < 1_000; i++) {
            out.ensureRemaining(8).putLong(i);
        }
        ByteBuffer in = ByteBuffer.wrap(out.toArray());
        assertThat(in.remaining()).isEqualTo(8_000);
        for (long i = 0; i < 1_000; i++) {
            assertThat(in.getLong()).isEqualTo(i);
        }
    }

    private static String varint(int value) {
        StateBuffer out = new StateBuffer(5);
        Varints.writeVarint(value, out.buffer());
        return HexFormat.of().formatHex(out.toArray());
    }

    private static String varlong(long value) {
        StateBuffer out = new StateBuffer(10);
        Varints.writeVarlong(value, out.buffer());
        return HexFormat.of().formatHex(out.toArray());
    }
}
