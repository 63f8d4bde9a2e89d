package io.tokenwatch.streams.stats;

import java.nio.ByteBuffer;

/**
 * Zig-zag varints, as Kafka's record format and protobuf's {@code sint32}/{@code sint64} write them:
 * small magnitudes of either sign take one byte. The state formats depend on these exact bytes.
 */
public final class Varints {
    private Varints() {
    }

    public static void writeVarint(int value, ByteBuffer out) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xFFFFFF80) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    public static void writeVarlong(long value, ByteBuffer out) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xFFFFFFFFFFFFFF80L) != 0L) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    public static int readVarint(ByteBuffer in) {
        int v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = in.get();
            v |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (v >>> 1) ^ -(v & 1);
            }
        }
        throw new IllegalArgumentException("varint longer than 5 bytes");
    }

    public static long readVarlong(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (v >>> 1) ^ -(v & 1);
            }
        }
        throw new IllegalArgumentException("varlong longer than 10 bytes");
    }
}
