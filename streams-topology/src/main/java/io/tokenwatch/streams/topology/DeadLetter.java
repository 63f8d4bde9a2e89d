package io.tokenwatch.streams.topology;

/** A record the pipeline gives up on outside the processing of that record: original key and value bytes. */
public record DeadLetter(byte[] key, byte[] value) {
}
