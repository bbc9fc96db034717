package dev.awsdeploy.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

/** The one JSON configuration of the project: ISO instants, durations as text, stable field order. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new SimpleModule("aws-deploy-time")
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(Duration.class, new com.fasterxml.jackson.databind.ser.std.StdSerializer<>(Duration.class) {
                        private static final long serialVersionUID = 1L;

                        @Override
                        public void serialize(Duration value, com.fasterxml.jackson.core.JsonGenerator gen,
                                              com.fasterxml.jackson.databind.SerializerProvider provider)
                                throws java.io.IOException {
                            gen.writeString(Durations.format(value));
                        }
                    })
                    .addDeserializer(Instant.class, new com.fasterxml.jackson.databind.deser.std.FromStringDeserializer<>(Instant.class) {
                        private static final long serialVersionUID = 1L;

                        @Override
                        protected Instant _deserialize(String value, com.fasterxml.jackson.databind.DeserializationContext ctxt) {
                            return Instant.parse(value);
                        }
                    }))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
