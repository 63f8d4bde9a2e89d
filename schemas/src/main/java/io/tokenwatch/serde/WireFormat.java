package io.tokenwatch.serde;

import org.apache.kafka.common.errors.SerializationException;

import java.nio.ByteBuffer;

/** Confluent's wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro binary body. */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Reads and checks the header; the buffer is left positioned at the Avro body. */
    public static int readSchemaId(String topic, ByteBuffer buffer) {
        if (buffer.remaining() < HEADER_SIZE) {
            throw new SerializationException("Malformed Avro record on topic '" + topic + "': " + buffer.remaining()
                    + " bytes, shorter than the 5-byte header (magic byte + schema id)");
        }
        byte magic = buffer.get();
        if (magic != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "Malformed Avro record on topic '%s': unknown magic byte 0x%02x (expected 0x00, Confluent wire format)", topic, magic));
        }
        return buffer.getInt();
    }

    static void writeHeader(ByteBuffer buffer, int schemaId) {
        buffer.put(MAGIC_BYTE).putInt(schemaId);
    }
}
