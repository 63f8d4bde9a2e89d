package io.tokenwatch.otlp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.tokenwatch.producer.InvalidEventException;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.runtime.http.BearerToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The OTLP/HTTP trace receiver ({@code POST /v1/traces}), apart from any HTTP server: binary protobuf or
 * JSON, gzip or not, answered as the OTLP specification says. 200 with the spans it could not record
 * counted as a partial success; 400 for a body that is not an OTLP export; 413 above the size limit;
 * 415 for another content type or encoding; 401 without the bearer token when one is set; 429 with
 * {@code Retry-After} when producer-lib's queue is nearly full, and 503 with {@code Retry-After} while
 * producer-lib would lose what it is given (Kafka unreachable, nothing can be spilled), before anything
 * of the request is recorded, so the exporter's retry sends it whole. Spans become calls and outcomes through
 * producer-lib ({@link TokenwatchClient}): priced, checked, spilled to disk while Kafka is away.
 */
public final class OtlpReceiver {
    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";
    private static final Logger LOG = LoggerFactory.getLogger(OtlpReceiver.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** google.rpc.Code values used in the Status bodies of failed requests. */
    private static final int INVALID_ARGUMENT = 3;
    private static final int RESOURCE_EXHAUSTED = 8;
    private static final int UNAUTHENTICATED = 16;
    private static final int UNAVAILABLE = 14;
    private static final double THROTTLE_AT = 0.9;

    /** One request: its headers and body. */
    public record Request(String contentType, String contentEncoding, String authorization, InputStream body) {
    }

    /** What to answer: status, content type, body and extra headers. */
    public record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    }

    /** What the receiver has done since it started. */
    public record Counts(long requests, long spans, long calls, long outcomes, long ignored, long rejected, long throttled, long refused,
                         long unavailable) {
    }

    private final TokenwatchClient client;
    private final GenAiMapping mapping;
    private final long maxBodyBytes;
    private final BearerToken token;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong spans = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong outcomes = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unavailable = new AtomicLong();

    /**
     * @param client       producer-lib's client the calls go through (not lenient: an invalid call is a rejected span)
     * @param maxBodyBytes the largest body taken, after gzip is undone
     * @param token        bearer token the exporter must present, if any
     */
    public OtlpReceiver(TokenwatchClient client, GenAiMapping mapping, long maxBodyBytes, Optional<String> token) {
        this.client = client;
        this.mapping = mapping;
        this.maxBodyBytes = maxBodyBytes;
        this.token = BearerToken.of(token);
    }

    public Counts counts() {
        return new Counts(requests.get(), spans.get(), calls.get(), outcomes.get(), ignored.get(), rejected.get(), throttled.get(), refused.get(),
                unavailable.get());
    }

    public Response handle(Request request) {
        requests.incrementAndGet();
        String type = request.contentType() == null ? "" : request.contentType().split(";")[0].trim().toLowerCase(Locale.ROOT);
        boolean json = type.equals(JSON);
        if (!json && !type.equals(PROTOBUF)) {
            return failure(415, PROTOBUF, INVALID_ARGUMENT, "Content-Type must be " + PROTOBUF + " or " + JSON + ", not '" + type + "'", Map.of());
        }
        String answerAs = json ? JSON : PROTOBUF;
        if (!token.accepts(request.authorization())) {
            return failure(401, answerAs, UNAUTHENTICATED, "missing or wrong bearer token", Map.of("WWW-Authenticate", "Bearer realm=\"tokenwatch\""));
        }
        if (!client.canRecord()) {
            unavailable.incrementAndGet();
            return failure(503, answerAs, UNAVAILABLE, "Tokenwatch cannot record spans now (Kafka unreachable and nothing can be spilled); retry",
                    Map.of("Retry-After", "5"));
        }
        if (client.queued() >= THROTTLE_AT * client.queueCapacity()) {
            throttled.incrementAndGet();
            return failure(429, answerAs, RESOURCE_EXHAUSTED, "Tokenwatch is busy sending earlier spans; retry", Map.of("Retry-After", "1"));
        }
        byte[] body;
        try {
            body = read(request);
        } catch (TooLargeException e) {
            return failure(413, answerAs, INVALID_ARGUMENT, e.getMessage(), Map.of());
        } catch (UnsupportedEncodingException e) {
            return failure(415, answerAs, INVALID_ARGUMENT, e.getMessage(), Map.of());
        } catch (IOException e) {
            return failure(400, answerAs, INVALID_ARGUMENT, "cannot read the body: " + e.getMessage(), Map.of());
        }
        List<OtlpSpan> received;
        try {
            received = json ? OtlpDecoder.json(body) : OtlpDecoder.protobuf(body);
        } catch (OtlpDecoder.MalformedOtlpException e) {
            return failure(400, answerAs, INVALID_ARGUMENT, e.getMessage(), Map.of());
        }
        return success(answerAs, record(received));
    }

    /** The spans' calls and outcomes handed to producer-lib; what could not be recorded, counted and described. */
    private Rejections record(List<OtlpSpan> received) {
        Rejections rejections = new Rejections();
        spans.addAndGet(received.size());
        for (OtlpSpan span : received) {
            GenAiMapping.Mapped mapped = mapping.map(span);
            if (mapped instanceof GenAiMapping.NotGenAi) {
                ignored.incrementAndGet();
            } else if (mapped instanceof GenAiMapping.Rejected r) {
                rejections.add(r.reason());
            } else if (mapped instanceof GenAiMapping.Call call) {
                try {
                    client.recordCall(call.report());
                    calls.incrementAndGet();
                } catch (InvalidEventException e) {
                    rejections.add(e.getMessage());
                    continue;
                }
                for (GenAiMapping.Decision decision : call.decisions()) {
                    client.recordOutcome(call.callId(), decision.outcome(), decision.decidedBy(), null, decision.decidedAt());
                    outcomes.incrementAndGet();
                }
            }
        }
        rejected.addAndGet(rejections.count);
        return rejections;
    }

    private static final class Rejections {
        long count;
        String first;

        void add(String reason) {
            if (count++ == 0) {
                first = reason;
            }
        }
    }

    private Response success(String contentType, Rejections rejections) {
        if (rejections.count > 0) {
            LOG.warn("OTLP export: {} span(s) could not be recorded; the first: {}", rejections.count, rejections.first);
        }
        String message = rejections.count == 0 ? "" : rejections.count + " span(s) rejected; the first: " + rejections.first;
        if (contentType.equals(JSON)) {
            ObjectNode body = MAPPER.createObjectNode();
            if (rejections.count > 0) {
                body.putObject("partialSuccess").put("rejectedSpans", Long.toString(rejections.count)).put("errorMessage", message);
            }
            return new Response(200, JSON, body.toString().getBytes(StandardCharsets.UTF_8), Map.of());
        }
        ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
        if (rejections.count > 0) {
            response.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejections.count).setErrorMessage(message));
        }
        return new Response(200, PROTOBUF, response.build().toByteArray(), Map.of());
    }

    /** A failed request's answer: a google.rpc.Status message in the request's encoding. */
    private Response failure(int status, String contentType, int code, String message, Map<String, String> headers) {
        if (status != 429) {
            refused.incrementAndGet();
            LOG.warn("OTLP export refused with {}: {}", status, message);
        }
        byte[] body;
        if (contentType.equals(JSON)) {
            body = MAPPER.createObjectNode().put("code", code).put("message", message).toString().getBytes(StandardCharsets.UTF_8);
        } else {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            try {
                out.writeInt32(1, code);
                out.writeString(2, message);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            body = bytes.toByteArray();
        }
        return new Response(status, contentType, body, headers);
    }

    private byte[] read(Request request) throws IOException {
        String encoding = request.contentEncoding() == null ? "identity" : request.contentEncoding().trim().toLowerCase(Locale.ROOT);
        InputStream in = switch (encoding) {
            case "identity", "" -> request.body();
            case "gzip" -> {
                try {
                    yield new GZIPInputStream(request.body());
                } catch (ZipException e) {
                    throw new IOException("the body is not gzip (" + e.getMessage() + ")", e);
                }
            }
            default -> throw new UnsupportedEncodingException("Content-Encoding must be gzip or none, not '" + encoding + "'");
        };
        // Read at most one byte past the limit: a gzip bomb or an oversized export is refused without being held in memory.
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        if (body.length > maxBodyBytes) {
            throw new TooLargeException("the export is larger than " + maxBodyBytes + " bytes (tokenwatch.otlp.max.body.bytes); send smaller batches");
        }
        return body;
    }

    private static final class TooLargeException extends IOException {
        TooLargeException(String message) {
            super(message);
        }
    }

    private static final class UnsupportedEncodingException extends IOException {
        UnsupportedEncodingException(String message) {
            super(message);
        }
    }
}
