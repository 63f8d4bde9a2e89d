package io.tokenwatch.http;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP request as a route sees it, whatever server received it: method, target, headers (names
 * case-insensitive) and the body, already read to the route's bound.
 */
public record HttpCall(String method, URI target, Map<String, String> headers, byte[] body) {
    public HttpCall {
        Map<String, String> caseInsensitive = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        caseInsensitive.putAll(headers);
        headers = Collections.unmodifiableMap(caseInsensitive);
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The decoded path. */
    public String path() {
        return target.getPath();
    }

    /** The path as sent, still percent-encoded. */
    public String rawPath() {
        return target.getRawPath();
    }

    /** The query parameters, decoded, in order (the last of a repeated name wins). */
    public Map<String, String> query() {
        Map<String, String> query = new LinkedHashMap<>();
        String raw = target.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        return query;
    }
}
