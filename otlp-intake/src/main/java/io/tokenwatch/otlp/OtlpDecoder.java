package io.tokenwatch.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads an OTLP trace export ({@code ExportTraceServiceRequest}, which a Collector's Kafka exporter
 * writes as {@code TracesData}: the same bytes) in either of the encodings OTLP/HTTP defines: binary
 * protobuf, or the JSON mapping (ids as hex, 64-bit integers as strings or numbers, enums as numbers).
 */
public final class OtlpDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    private OtlpDecoder() {
    }

    /** Not an OTLP trace export: the message says what is wrong. */
    public static final class MalformedOtlpException extends Exception {
        MalformedOtlpException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static List<OtlpSpan> protobuf(byte[] body) throws MalformedOtlpException {
        ExportTraceServiceRequest request;
        try {
            request = ExportTraceServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedOtlpException("not an OTLP protobuf trace export: " + e.getMessage(), e);
        }
        List<OtlpSpan> spans = new ArrayList<>();
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            Map<String, Object> resource = attributes(resourceSpans.getResource().getAttributesList());
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                for (Span span : scopeSpans.getSpansList()) {
                    List<OtlpSpan.Event> events = new ArrayList<>();
                    for (Span.Event event : span.getEventsList()) {
                        events.add(new OtlpSpan.Event(event.getName(), event.getTimeUnixNano(), attributes(event.getAttributesList())));
                    }
                    spans.add(new OtlpSpan(resource, attributes(span.getAttributesList()), span.getName(),
                            HEX.formatHex(span.getTraceId().toByteArray()), HEX.formatHex(span.getSpanId().toByteArray()),
                            span.getStartTimeUnixNano(), span.getEndTimeUnixNano(), events));
                }
            }
        }
        return spans;
    }

    private static Map<String, Object> attributes(List<KeyValue> keyValues) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (KeyValue kv : keyValues) {
            Object value = value(kv.getValue());
            if (value != null) {
                attributes.put(kv.getKey(), value);
            }
        }
        return attributes;
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BOOL_VALUE -> value.getBoolValue();
            case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream().map(OtlpDecoder::value).toList();
            default -> null; // key-value lists and bytes: nothing the intake reads
        };
    }

    public static List<OtlpSpan> json(byte[] body) throws MalformedOtlpException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new MalformedOtlpException("not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedOtlpException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || (root.has("resourceSpans") && !root.get("resourceSpans").isArray())) {
            throw new MalformedOtlpException("not an OTLP JSON trace export: expected an object with a resourceSpans array", null);
        }
        List<OtlpSpan> spans = new ArrayList<>();
        try {
            for (JsonNode resourceSpans : root.path("resourceSpans")) {
                Map<String, Object> resource = attributes(resourceSpans.path("resource").path("attributes"));
                for (JsonNode scopeSpans : resourceSpans.path("scopeSpans")) {
                    for (JsonNode span : scopeSpans.path("spans")) {
                        List<OtlpSpan.Event> events = new ArrayList<>();
                        for (JsonNode event : span.path("events")) {
                            events.add(new OtlpSpan.Event(event.path("name").asText(), nanos(event.path("timeUnixNano")), attributes(event.path("attributes"))));
                        }
                        spans.add(new OtlpSpan(resource, attributes(span.path("attributes")), span.path("name").asText(),
                                id(span.path("traceId")), id(span.path("spanId")), nanos(span.path("startTimeUnixNano")),
                                nanos(span.path("endTimeUnixNano")), events));
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new MalformedOtlpException("not an OTLP JSON trace export: " + e.getMessage(), e);
        }
        return spans;
    }

    private static Map<String, Object> attributes(JsonNode keyValues) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (JsonNode kv : keyValues) {
            Object value = value(kv.path("value"));
            if (value != null) {
                attributes.put(kv.path("key").asText(), value);
            }
        }
        return attributes;
    }

    private static Object value(JsonNode value) {
        if (value.has("stringValue")) {
            return value.get("stringValue").asText();
        }
        if (value.has("intValue")) {
            return integer(value.get("intValue"));
        }
        if (value.has("doubleValue")) {
            return value.get("doubleValue").asDouble();
        }
        if (value.has("boolValue")) {
            return value.get("boolValue").asBoolean();
        }
        if (value.has("arrayValue")) {
            List<Object> values = new ArrayList<>();
            value.get("arrayValue").path("values").forEach(v -> values.add(value(v)));
            return values;
        }
        return null;
    }

    /** OTLP JSON writes 64-bit integers as decimal strings (numbers are accepted too). */
    private static long integer(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        try {
            return Long.parseLong(node.asText());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + node.asText() + "' is not an integer");
        }
    }

    private static long nanos(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? 0 : integer(node);
    }

    /** Trace and span ids are hex in OTLP JSON; base64 (protobuf's JSON mapping of bytes) is read too. */
    private static String id(JsonNode node) {
        String text = node.asText("");
        if (text.isEmpty() || text.matches("[0-9a-fA-F]+") && text.length() % 2 == 0) {
            return text.toLowerCase(Locale.ROOT);
        }
        return HEX.formatHex(Base64.getDecoder().decode(text));
    }
}
