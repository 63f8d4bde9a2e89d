package io.tokenwatch.producer;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** An agent or conversation session: hands out the session id and the next call_seq, thread-safely. */
public final class AgentSession {
    private final String id;
    private final AtomicInteger seq = new AtomicInteger();

    public AgentSession(String id) {
        this.id = id;
    }

    public static AgentSession start() {
        return new AgentSession(UUID.randomUUID().toString());
    }

    public String id() {
        return id;
    }

    /** 1 for the first call, 2 for the second, ... */
    public int nextSeq() {
        return seq.incrementAndGet();
    }
}
