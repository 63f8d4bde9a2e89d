package io.tokenwatch.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a route answers: status, content type, body and any further headers. */
public record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
    public static final String JSON = "application/json";
    public static final String TEXT = "text/plain; charset=utf-8";

    public HttpReply {
        headers = Map.copyOf(headers);
    }

    public static HttpReply of(int status, String contentType, byte[] body) {
        return new HttpReply(status, contentType, body, Map.of());
    }

    public static HttpReply of(int status, String contentType, String body) {
        return of(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    public static HttpReply json(int status, String body) {
        return of(status, JSON, body);
    }

    public static HttpReply text(int status, String body) {
        return of(status, TEXT, body);
    }

    /** The same reply with one more header. */
    public HttpReply withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpReply(status, contentType, body, more);
    }
}
