package io.tokenwatch.streams.stats;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The write buffer of the state codecs: they put varints and longs straight into a growable,
 * unsynchronised {@link ByteBuffer}, several times per event (a {@code DataOutputStream} over a
 * {@code ByteArrayOutputStream}, one synchronised call per byte, was the largest piece of our own
 * code in the stream thread's profile). Ours rather than Kafka's internal one, which moves between
 * Kafka releases.
 */
public final class StateBuffer {
    private ByteBuffer buffer;

    public StateBuffer(int expectedSize) {
        buffer = ByteBuffer.allocate(expectedSize);
    }

    /** Room for at least {@code bytes} more, growing by at least a tenth; returns the buffer to put them into. */
    public ByteBuffer ensureRemaining(int bytes) {
        if (buffer.remaining() < bytes) {
            int capacity = Math.max(buffer.position() + bytes, buffer.capacity() + buffer.capacity() / 10);
            buffer = ByteBuffer.allocate(capacity).put(buffer.flip());
        }
        return buffer;
    }

    /** The buffer to put into, positioned after what was written so far (call {@link #ensureRemaining} first). */
    public ByteBuffer buffer() {
        return buffer;
    }

    public byte[] toArray() {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }
}
