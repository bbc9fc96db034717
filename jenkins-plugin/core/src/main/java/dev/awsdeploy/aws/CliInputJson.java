package dev.awsdeploy.aws;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.awsdeploy.run.BadInputException;
import dev.awsdeploy.run.Json;
import dev.awsdeploy.run.Params;
import dev.awsdeploy.run.Problem;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.utils.builder.Buildable;

/**
 * Reads files in the AWS CLI's {@code --cli-input-json} format straight into the SDK's own request models,
 * using the SDK's field metadata (the member names the CLI uses: PascalCase for CloudWatch, camelCase for ECS).
 * Every field the API accepts can be given; an unknown field is an error with a "did you mean" and its path.
 */
public final class CliInputJson {
    private final String parameter;
    private final String source;
    private final List<Problem> problems = new ArrayList<>();

    private CliInputJson(String parameter, String source) {
        this.parameter = parameter;
        this.source = source;
    }

    /** Parses a JSON file, reporting malformed JSON with its line and column. */
    public static JsonNode readFile(String parameter, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new BadInputException(parameter, file, "file not found",
                    "give the path of an existing JSON file (relative to the working directory)");
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException(parameter, file, "cannot be read as UTF-8 text (" + e.getMessage() + ")",
                    "save the file as UTF-8 JSON");
        }
        return parse(parameter, file, text);
    }

    public static JsonNode parse(String parameter, String where, String text) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(text)) {
            JsonNode node = Json.MAPPER.readTree(p);
            if (node == null || !node.isObject()) {
                throw new BadInputException(parameter, where, "does not hold a JSON object",
                        "write the request as one JSON object { ... }");
            }
            if (p.nextToken() != null) {
                throw new BadInputException(parameter, where, "has text after the JSON object at line "
                        + p.currentLocation().getLineNr() + ", column " + p.currentLocation().getColumnNr(),
                        "remove what follows the closing brace");
            }
            return node;
        } catch (JsonProcessingException e) {
            String what = e.getOriginalMessage();
            int cut = what.indexOf('\n');
            throw new BadInputException(parameter, where, "is not valid JSON at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ": " + (cut > 0 ? what.substring(0, cut) : what),
                    "fix the JSON syntax there");
        } catch (IOException e) {
            throw new BadInputException(parameter, where, "cannot be read (" + e.getMessage() + ")", "check the file");
        }
    }

    /**
     * Builds an SDK model from a JSON object, e.g. {@code read(json, PutMetricAlarmRequest::builder, "file", path)}.
     * Fields named in {@code ignored} are accepted and skipped (e.g. fields the step sets itself).
     */
    @SuppressWarnings("unchecked")
    public static <T> T read(JsonNode json, Supplier<? extends SdkPojo> builder, String parameter, String source,
                             Collection<String> ignored) {
        CliInputJson reader = new CliInputJson(parameter, source);
        Object built = reader.pojo(json, builder.get(), "", ignored);
        if (!reader.problems.isEmpty()) {
            throw new BadInputException(reader.problems);
        }
        return (T) built;
    }

    private Object pojo(JsonNode json, SdkPojo builder, String path, Collection<String> ignored) {
        if (!json.isObject()) {
            problem(path, json, "must be a JSON object", "write { ... } here");
            return null;
        }
        Map<String, SdkField<?>> fields = new LinkedHashMap<>();
        for (SdkField<?> f : builder.sdkFields()) {
            fields.put(f.memberName(), f);
        }
        Iterator<Map.Entry<String, JsonNode>> it = json.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String at = path.isEmpty() ? name : path + "." + name;
            if (path.isEmpty() && ignored.contains(name)) {
                continue;
            }
            SdkField<?> f = fields.get(name);
            if (f == null) {
                problems.add(new Problem(parameter, source, "unknown field '" + at + "'",
                        Params.suggestion(name, fields.keySet(),
                                "the fields here are " + String.join(", ", fields.keySet()))));
                continue;
            }
            if (e.getValue().isNull()) {
                continue;
            }
            Object value = value(f, e.getValue(), at);
            if (value != null) {
                f.set(builder, value);
            }
        }
        return ((Buildable) builder).build();
    }

    private Object value(SdkField<?> f, JsonNode v, String at) {
        MarshallingType<?> t = f.marshallingType();
        if (t == MarshallingType.STRING) {
            if (!v.isValueNode()) {
                problem(at, v, "must be a string", "write it in quotes");
                return null;
            }
            return v.asText();
        }
        if (t == MarshallingType.INTEGER || t == MarshallingType.LONG || t == MarshallingType.SHORT
                || t == MarshallingType.BYTE) {
            if (!(v.isIntegralNumber() || v.isTextual() && v.asText().matches("-?\\d+"))) {
                problem(at, v, "must be a whole number", "write a number without quotes or decimals");
                return null;
            }
            long n = v.asLong();
            if (t == MarshallingType.LONG) {
                return n;
            }
            return t == MarshallingType.INTEGER ? (Object) (int) n : t == MarshallingType.SHORT ? (Object) (short) n
                    : (Object) (byte) n;
        }
        if (t == MarshallingType.DOUBLE || t == MarshallingType.FLOAT || t == MarshallingType.BIG_DECIMAL) {
            if (!(v.isNumber() || v.isTextual() && v.asText().matches("-?\\d+(\\.\\d+)?"))) {
                problem(at, v, "must be a number", "write a number such as 5.0");
                return null;
            }
            double d = v.asDouble();
            return t == MarshallingType.DOUBLE ? (Object) d : t == MarshallingType.FLOAT ? (Object) (float) d
                    : new BigDecimal(v.asText());
        }
        if (t == MarshallingType.BOOLEAN) {
            if (!v.isBoolean()) {
                problem(at, v, "must be true or false", "write true or false without quotes");
                return null;
            }
            return v.asBoolean();
        }
        if (t == MarshallingType.INSTANT) {
            try {
                return v.isNumber() ? Instant.ofEpochMilli((long) (v.asDouble() * 1000)) : Instant.parse(v.asText());
            } catch (RuntimeException e) {
                problem(at, v, "must be a timestamp", "write an ISO-8601 time such as 2026-01-31T12:00:00Z");
                return null;
            }
        }
        if (t == MarshallingType.SDK_POJO) {
            return pojo(v, f.constructor().get(), at, List.of());
        }
        if (t == MarshallingType.LIST) {
            if (!v.isArray()) {
                problem(at, v, "must be a list", "write [ ... ]");
                return null;
            }
            SdkField<?> member = f.getRequiredTrait(ListTrait.class).memberFieldInfo();
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                Object o = value(member, v.get(i), at + "[" + i + "]");
                if (o != null) {
                    out.add(o);
                }
            }
            return out;
        }
        if (t == MarshallingType.MAP) {
            if (!v.isObject()) {
                problem(at, v, "must be an object", "write { \"key\": value, ... }");
                return null;
            }
            SdkField<?> member = f.getRequiredTrait(MapTrait.class).valueFieldInfo();
            Map<String, Object> out = new LinkedHashMap<>();
            v.fields().forEachRemaining(e -> out.put(e.getKey(), value(member, e.getValue(), at + "." + e.getKey())));
            return out;
        }
        problem(at, v, "has a type this tool cannot read from JSON (" + t + ")", "leave this field out");
        return null;
    }

    private void problem(String at, JsonNode v, String message, String fix) {
        String shown = v == null ? "" : " (" + abbreviate(v.toString()) + ")";
        problems.add(new Problem(parameter, source, "field '" + at + "'" + shown + " " + message, fix));
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** An SDK model as JSON with the same member names, for records, plans and comparisons. */
    public static ObjectNode toJson(SdkPojo pojo) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (SdkField<?> f : pojo.sdkFields()) {
            Object v = f.getValueOrDefault(pojo);
            JsonNode n = node(f, v);
            if (n != null) {
                out.set(f.memberName(), n);
            }
        }
        return out;
    }

    private static JsonNode node(SdkField<?> f, Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof SdkPojo p) {
            return toJson(p);
        }
        if (v instanceof List<?> list) {
            if (list instanceof software.amazon.awssdk.core.util.SdkAutoConstructList) {
                return null;
            }
            SdkField<?> member = f.getRequiredTrait(ListTrait.class).memberFieldInfo();
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            list.forEach(o -> a.add(node(member, o)));
            return a;
        }
        if (v instanceof Map<?, ?> map) {
            if (map instanceof software.amazon.awssdk.core.util.SdkAutoConstructMap) {
                return null;
            }
            SdkField<?> member = f.getRequiredTrait(MapTrait.class).valueFieldInfo();
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            map.forEach((k, val) -> o.set(String.valueOf(k), node(member, val)));
            return o;
        }
        if (v instanceof Instant i) {
            return JsonNodeFactory.instance.textNode(i.toString());
        }
        return Json.MAPPER.valueToTree(v);
    }

    /** Names of the top-level fields a model accepts, for documentation and suggestions. */
    public static List<String> fieldNames(SdkPojo builder) {
        return builder.sdkFields().stream().map(SdkField::memberName).collect(Collectors.toList());
    }
}
