package io.tokenwatch.bench;

import io.tokenwatch.events.v1.LlmCall;
import io.tokenwatch.serde.AvroBinary;
import io.tokenwatch.serde.SpecificAvroSerde;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Confluent-format serde against plain Avro binary of the same record (the floor). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerdeBenchmark {
    private final AvroBinary<LlmCall> plain = new AvroBinary<>(LlmCall.class);
    /** Avro's own decoder, which allocates whatever a record declares: the floor the bounded decoder is measured against. */
    private final SpecificDatumReader<LlmCall> unboundedReader = new SpecificDatumReader<>(LlmCall.class);
    private final SpecificAvroSerde<LlmCall> serde = new SpecificAvroSerde<>();
    private LlmCall call;
    private byte[] plainBytes;
    private byte[] wireBytes;

    @Setup
    public void setUp() {
        serde.configure(Map.of("schema.registry.url", "mock://serde-bench"), false);
        call = BenchSupport.call(42, 1_000, 100);
        plainBytes = plain.encode(call);
        wireBytes = serde.serializer().serialize("llm.calls.v1", call);
    }

    @Benchmark
    public byte[] serializePlainAvro() {
        return plain.encode(call);
    }

    @Benchmark
    public byte[] serializeWireFormat() {
        return serde.serializer().serialize("llm.calls.v1", call);
    }

    @Benchmark
    public LlmCall deserializePlainAvro() {
        return plain.decode(plainBytes);
    }

    @Benchmark
    public LlmCall deserializeAvroBinaryDecoderUnbounded() throws IOException {
        return unboundedReader.read(null, DecoderFactory.get().binaryDecoder(plainBytes, null));
    }

    @Benchmark
    public LlmCall deserializeWireFormat() {
        return serde.deserializer().deserialize("llm.calls.v1", wireBytes);
    }
}
