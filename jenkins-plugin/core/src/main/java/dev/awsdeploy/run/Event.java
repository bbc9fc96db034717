package dev.awsdeploy.run;

import java.time.Instant;
import java.util.Map;

/** Something a person should know happened: a state change or a decision. Never one per poll. */
public record Event(Instant at, String type, String message, Map<String, Object> data) {
}
