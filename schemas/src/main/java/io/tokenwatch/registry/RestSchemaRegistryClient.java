package io.tokenwatch.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.http.BoundedBody;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * Client of the Confluent Schema Registry REST API (register, look up, schema by id, latest version).
 * Spreads requests over every configured URL, retries 5xx answers and connection errors with
 * exponential backoff, and turns 4xx answers into a {@link SchemaRegistryException} that carries the
 * registry's error code.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A schema and its metadata are kilobytes; a larger answer is a broken registry (an outage, retried), never parsed. */
    private static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

    private final List<URI> baseUris;
    private final String authorization;
    private final HttpClient http;
    private final int maxAttempts;
    private final Duration requestTimeout;
    private final Duration initialBackoff;
    private final AtomicInteger nextUri = new AtomicInteger();

    /**
     * @param baseUris      one or more registry base URLs
     * @param authorization the {@code Authorization} header of every request ({@link #basic} or {@link #bearer}), or null
     * @param sslContext    TLS context for https URLs, or null for the JVM default
     * @param maxAttempts   attempts per request (1 = no retry)
     * @param requestTimeout timeout of one attempt
     * @param initialBackoff pause before the first retry, doubled after each
     */
    public RestSchemaRegistryClient(List<URI> baseUris, String authorization, SSLContext sslContext,
                                    int maxAttempts, Duration requestTimeout, Duration initialBackoff) {
        if (baseUris.isEmpty()) {
            throw new IllegalArgumentException("schema.registry.url has no URL");
        }
        this.baseUris = List.copyOf(baseUris);
        this.authorization = authorization;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(requestTimeout);
        if (sslContext != null) {
            builder.sslContext(sslContext);
        }
        this.http = builder.build();
        this.maxAttempts = Math.max(1, maxAttempts);
        this.requestTimeout = requestTimeout;
        this.initialBackoff = initialBackoff;
    }

    /** HTTP basic auth of {@code user:password}, or null for null. */
    public static String basic(String userInfo) {
        return userInfo == null ? null : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** A bearer token, or null for null. */
    public static String bearer(String token) {
        return token == null ? null : "Bearer " + token;
    }

    @Override
    public int register(String subject, Schema schema) {
        JsonNode body = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        return body.path("id").asInt();
    }

    @Override
    public int lookupId(String subject, Schema schema) {
        JsonNode body = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        return body.path("id").asInt();
    }

    @Override
    public Schema schemaById(int id) {
        JsonNode body = send("GET", "/schemas/ids/" + id, null);
        return new Schema.Parser().parse(body.path("schema").asText());
    }

    @Override
    public SubjectVersion latest(String subject) {
        JsonNode body = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        return new SubjectVersion(subject, body.path("version").asInt(), body.path("id").asInt(),
                new Schema.Parser().parse(body.path("schema").asText()));
    }

    private static String schemaBody(Schema schema) {
        try {
            return JSON.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode send(String method, String path, String body) {
        SchemaRegistryException last = null;
        Duration backoff = initialBackoff;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            URI base = baseUris.get(Math.floorMod(nextUri.getAndIncrement(), baseUris.size()));
            try {
                return sendOnce(base, method, path, body);
            } catch (SchemaRegistryException e) {
                if (!e.isUnavailable()) {
                    throw e;
                }
                last = e;
            }
            if (attempt < maxAttempts) {
                // The last failure is thrown for the caller to report; only retries are logged here.
                LOG.warn("Schema registry {} {}{} failed (attempt {}/{}), retrying in {} ms: {}", method, base, path, attempt, maxAttempts,
                        backoff.toMillis(), last.getMessage());
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
        }
        throw last;
    }

    private JsonNode sendOnce(URI base, String method, String path, String body) {
        URI uri = URI.create(base.toString().replaceAll("/+$", "") + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), BoundedBody.ofString(MAX_RESPONSE_BYTES));
        } catch (IOException e) {
            throw new SchemaRegistryException("Schema registry " + base + " unreachable: " + e, -1, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while calling schema registry " + base, -1, -1, e);
        }
        JsonNode json = parse(response.body());
        if (response.statusCode() / 100 == 2) {
            return json;
        }
        int errorCode = json.path("error_code").asInt(response.statusCode());
        String message = json.path("message").asText(response.body());
        throw new SchemaRegistryException("Schema registry " + method + " " + uri + " answered " + response.statusCode()
                + " (error_code " + errorCode + "): " + message, response.statusCode(), errorCode, null);
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while backing off", -1, -1, e);
        }
    }
}
