package io.tokenwatch.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP server on loopback speaking the Confluent Schema Registry REST API (the endpoints the
 * serde uses, with the documented error bodies), backed by a private {@link MockSchemaRegistry}
 * scope. It can require basic auth and fail the next N requests with 500 to exercise retries.
 */
public final class LocalSchemaRegistryServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
    private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");

    private final HttpServer server;
    private final String scope = "http-" + UUID.randomUUID();
    private final MockSchemaRegistry registry = MockSchemaRegistry.forScope(scope);
    private final String expectedAuthorization;
    private final AtomicInteger failuresToInject = new AtomicInteger();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    public LocalSchemaRegistryServer(String userInfo) throws IOException {
        this.expectedAuthorization = userInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code n} requests answer 500. */
    public void failNext(int n) {
        failuresToInject.set(n);
    }

    /** "METHOD path Content-Type" of every request received. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        requests.add(method + " " + path + " " + exchange.getRequestHeaders().getFirst("Content-Type"));
        try {
            if (expectedAuthorization != null && !expectedAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                error(exchange, 401, 40101, "Unauthorized");
                return;
            }
            if (failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                error(exchange, 500, 50001, "Error in the backend data store");
                return;
            }
            Matcher m;
            if (method.equals("POST") && (m = REGISTER.matcher(path)).matches()) {
                int id = registry.register(subject(m), schemaFrom(exchange));
                respond(exchange, 200, Map.of("id", id));
            } else if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
                SchemaRegistryClient.SubjectVersion v = registry.latest(subject(m));
                respond(exchange, 200, ordered("subject", v.subject(), "version", v.version(), "id", v.id(), "schema", v.schema().toString()));
            } else if (method.equals("POST") && (m = LOOKUP.matcher(path)).matches()) {
                Schema schema = schemaFrom(exchange);
                int id = registry.lookupId(subject(m), schema);
                respond(exchange, 200, ordered("subject", subject(m), "version", 1, "id", id, "schema", schema.toString()));
            } else if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
                respond(exchange, 200, Map.of("schema", registry.schemaById(Integer.parseInt(m.group(1))).toString()));
            } else {
                error(exchange, 404, 404, "HTTP 404 Not Found");
            }
        } catch (SchemaRegistryException e) {
            error(exchange, e.httpStatus(), e.errorCode(), e.getMessage());
        } catch (SchemaParseException e) {
            error(exchange, 422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    private static String subject(Matcher m) {
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private static Schema schemaFrom(HttpExchange exchange) throws IOException {
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        return new Schema.Parser().parse(body.path("schema").asText());
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static void error(HttpExchange exchange, int status, int errorCode, String message) throws IOException {
        respond(exchange, status, ordered("error_code", errorCode, "message", message));
    }

    private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        MockSchemaRegistry.dropScope(scope);
    }
}
