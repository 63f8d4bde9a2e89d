package io.tokenwatch.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a {@link SchemaRegistryClient} (e.g. the demo's in-process registry) over HTTP with the
 * Confluent Schema Registry REST API: the endpoints the serdes use, with the documented error
 * bodies. Any client that speaks to a Confluent registry (ours, Confluent's serializers, other
 * processes) can then share the schemas. {@link Filter}s can wrap every request (auth, fault injection).
 */
public final class SchemaRegistryHttpServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
    private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "schema-registry-http");
        t.setDaemon(true);
        return t;
    });
    private final SchemaRegistryClient registry;

    private SchemaRegistryHttpServer(SchemaRegistryClient registry, InetSocketAddress address, SSLContext tls, List<Filter> filters) throws IOException {
        this.registry = registry;
        if (tls == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        HttpContext context = server.createContext("/", this::handle);
        context.getFilters().addAll(filters);
        server.setExecutor(handlers); // one slow client must not stall the others
        server.start();
    }

    /** Serves {@code registry} on {@code host:port} ({@code port} 0: any free port). */
    public static SchemaRegistryHttpServer start(SchemaRegistryClient registry, String host, int port, Filter... filters) throws IOException {
        return new SchemaRegistryHttpServer(registry, new InetSocketAddress(host, port), null, List.of(filters));
    }

    /** Serves {@code registry} over HTTPS with {@code tls}'s certificate. */
    public static SchemaRegistryHttpServer startTls(SchemaRegistryClient registry, String host, int port, SSLContext tls, Filter... filters)
            throws IOException {
        return new SchemaRegistryHttpServer(registry, new InetSocketAddress(host, port), tls, List.of(filters));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http(s)://host:port}, the value for {@code schema.registry.url}. */
    public String url() {
        return (server instanceof HttpsServer ? "https://" : "http://") + server.getAddress().getHostString() + ":" + port();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        try {
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

    /** Answers with a Confluent error body: {@code {"error_code": ..., "message": ...}}. */
    public static void error(HttpExchange exchange, int status, int errorCode, String message) throws IOException {
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
        handlers.shutdownNow();
    }
}
