package io.tokenwatch.serde;

import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Avro binary decoding of one record held in memory, where every declared length and count is checked
 * before anything is allocated: a string or bytes length against {@link DecodeLimits} and against the
 * bytes actually left, a collection block's item count against the record's item budget and the bytes
 * left (every item of our schemas takes at least one byte). Avro's own {@code BinaryDecoder} allocates
 * whatever a record declares (a 10-byte record can ask for 2 GB). A record that breaks a bound fails
 * with {@link MalformedAvroException}, never an {@link Error}.
 */
final class BoundedDecoder extends Decoder {
    private final byte[] buf;
    private final int limit;
    private final DecodeLimits limits;
    private int pos;
    private long itemsLeft;

    BoundedDecoder(byte[] buf, int offset, int length, DecodeLimits limits) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
        this.limits = limits;
        this.itemsLeft = limits.maxCollectionItems();
    }

    /** Bytes of the record not read yet. */
    int remaining() {
        return limit - pos;
    }

    @Override
    public void readNull() {
    }

    @Override
    public boolean readBoolean() throws IOException {
        int b = nextByte();
        if (b > 1) {
            throw new MalformedAvroException("boolean byte " + b + " is neither 0 nor 1");
        }
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        return (int) readVarLong(5);
    }

    @Override
    public long readLong() throws IOException {
        return readVarLong(10);
    }

    /** A zig-zag varint of at most {@code maxBytes} bytes. */
    private long readVarLong(int maxBytes) throws IOException {
        long raw = 0;
        for (int shift = 0, i = 0; i < maxBytes; i++, shift += 7) {
            int b = nextByte();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new MalformedAvroException("varint longer than " + maxBytes + " bytes");
    }

    @Override
    public float readFloat() throws IOException {
        need(4);
        int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        need(8);
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = bits << 8 | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int length = length("string", limits.maxStringBytes(), DecodeLimits.MAX_STRING_BYTES);
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(length);
        System.arraycopy(buf, pos, result.getBytes(), 0, length);
        pos += length;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int length = length("string", limits.maxStringBytes(), DecodeLimits.MAX_STRING_BYTES);
        String value = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return value;
    }

    @Override
    public void skipString() throws IOException {
        pos += length("string", limits.maxStringBytes(), DecodeLimits.MAX_STRING_BYTES);
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int length = length("bytes", limits.maxBytesLength(), DecodeLimits.MAX_BYTES_LENGTH);
        ByteBuffer result = old != null && old.capacity() >= length ? old.clear() : ByteBuffer.allocate(length);
        result.put(buf, pos, length).flip();
        pos += length;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        pos += length("bytes", limits.maxBytesLength(), DecodeLimits.MAX_BYTES_LENGTH);
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        need(length);
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        need(length);
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        return readInt();
    }

    @Override
    public long readArrayStart() throws IOException {
        return blockCount("array");
    }

    @Override
    public long arrayNext() throws IOException {
        return blockCount("array");
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks("array");
    }

    @Override
    public long readMapStart() throws IOException {
        return blockCount("map");
    }

    @Override
    public long mapNext() throws IOException {
        return blockCount("map");
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks("map");
    }

    @Override
    public int readIndex() throws IOException {
        return readInt();
    }

    /** A block's item count (a negative count is followed by the block's size in bytes, which is not needed here). */
    private long blockCount(String kind) throws IOException {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new MalformedAvroException(kind + " block count out of range");
            }
            count = -count;
            readLong();
        }
        return admitItems(kind, count);
    }

    /** Skips blocks written with their byte size; returns the count of the first block that must be skipped item by item. */
    private long skipBlocks(String kind) throws IOException {
        long count = readLong();
        while (count < 0) {
            long size = readLong();
            if (size < 0 || size > remaining()) {
                throw new MalformedAvroException(kind + " block declares " + size + " bytes with " + remaining() + " left in the record");
            }
            pos += (int) size;
            count = readLong();
        }
        return admitItems(kind, count);
    }

    private long admitItems(String kind, long count) {
        if (count > remaining()) {
            throw new MalformedAvroException(kind + " block declares " + count + " items with " + remaining() + " bytes left in the record");
        }
        if (count > itemsLeft) {
            throw new MalformedAvroException("record declares more than " + limits.maxCollectionItems() + " collection items ("
                    + DecodeLimits.MAX_COLLECTION_ITEMS + ")");
        }
        itemsLeft -= count;
        return count;
    }

    /** A declared length, checked against its limit and the bytes left before anything is allocated for it. */
    private int length(String kind, int max, String limitKey) throws IOException {
        long length = readLong();
        if (length < 0) {
            throw new MalformedAvroException(kind + " length " + length + " is negative");
        }
        if (length > max) {
            throw new MalformedAvroException(kind + " length " + length + " over the limit of " + max + " bytes (" + limitKey + ")");
        }
        if (length > remaining()) {
            throw new MalformedAvroException(kind + " length " + length + " with only " + remaining() + " bytes left in the record");
        }
        return (int) length;
    }

    private int nextByte() {
        if (pos >= limit) {
            throw new MalformedAvroException("record ends early");
        }
        return buf[pos++] & 0xff;
    }

    private void need(int bytes) {
        if (bytes < 0 || bytes > remaining()) {
            throw new MalformedAvroException("record ends early: " + bytes + " bytes needed, " + remaining() + " left");
        }
    }

    /**
     * A record that declares more than it holds or more than the limits allow. Unchecked, and no
     * {@link IOException}: an I/O error means a dependency failed (a registry outage is retried), while
     * this is the record's own fault.
     */
    static final class MalformedAvroException extends RuntimeException {
        MalformedAvroException(String message) {
            super(message);
        }
    }
}
