package io.tokenwatch.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwatch.http.HttpCall;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.http.HttpRoute;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link SchemaRegistryClient} (e.g. the demo's in-process registry) as the Confluent Schema Registry
 * REST API: the endpoints the serdes use, with the documented error bodies. Served over HTTP, any client
 * that speaks to a Confluent registry (ours, Confluent's serializers, other processes) shares its schemas.
 */
public final class SchemaRegistryRoutes implements HttpRoute {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
    private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");
    private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
    private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");

    private final SchemaRegistryClient registry;

    public SchemaRegistryRoutes(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public HttpReply handle(HttpCall call) throws IOException {
        String method = call.method();
        String path = call.rawPath();
        try {
            Matcher m;
            if (method.equals("POST") && (m = REGISTER.matcher(path)).matches()) {
                return reply(200, Map.of("id", registry.register(subject(m), schemaFrom(call))));
            }
            if (method.equals("GET") && (m = LATEST.matcher(path)).matches()) {
                SchemaRegistryClient.SubjectVersion v = registry.latest(subject(m));
                return reply(200, ordered("subject", v.subject(), "version", v.version(), "id", v.id(), "schema", v.schema().toString()));
            }
            if (method.equals("POST") && (m = LOOKUP.matcher(path)).matches()) {
                Schema schema = schemaFrom(call);
                return reply(200, ordered("subject", subject(m), "version", 1, "id", registry.lookupId(subject(m), schema), "schema", schema.toString()));
            }
            if (method.equals("GET") && (m = BY_ID.matcher(path)).matches()) {
                return reply(200, Map.of("schema", registry.schemaById(Integer.parseInt(m.group(1))).toString()));
            }
            return error(404, 404, "HTTP 404 Not Found");
        } catch (SchemaRegistryException e) {
            return error(e.httpStatus(), e.errorCode(), e.getMessage());
        } catch (SchemaParseException e) {
            return error(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage());
        }
    }

    private static String subject(Matcher m) {
        return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    }

    private static Schema schemaFrom(HttpCall call) throws IOException {
        JsonNode body = JSON.readTree(call.body());
        return new Schema.Parser().parse(body.path("schema").asText());
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    /** A Confluent error body: {@code {"error_code": ..., "message": ...}}. */
    public static HttpReply error(int status, int errorCode, String message) throws IOException {
        return reply(status, ordered("error_code", errorCode, "message", message));
    }

    private static HttpReply reply(int status, Object body) throws IOException {
        return HttpReply.of(status, RestSchemaRegistryClient.CONTENT_TYPE, JSON.writeValueAsBytes(body));
    }
}
