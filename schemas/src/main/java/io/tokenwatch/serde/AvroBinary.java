package io.tokenwatch.serde;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Plain Avro binary (no registry header) for records kept locally: state stores and spill files. The
 * schema is the one compiled into this jar, so no registry round trip is needed.
 */
public final class AvroBinary<T extends SpecificRecord> {
    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;

    public AvroBinary(Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        this.writer = new SpecificDatumWriter<>(model.getSchema(type), model);
        this.reader = new SpecificDatumReader<>(model.getSchema(type), model.getSchema(type), model);
    }

    public byte[] encode(T record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Lengths are bounded by the default {@link DecodeLimits} and the bytes given before anything is allocated. */
    public T decode(byte[] bytes) {
        try {
            return reader.read(null, new BoundedDecoder(bytes, 0, bytes.length, DecodeLimits.DEFAULT));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Serde<T> serde() {
        return Serdes.serdeFrom((topic, v) -> v == null ? null : encode(v), (topic, b) -> b == null ? null : decode(b));
    }
}
