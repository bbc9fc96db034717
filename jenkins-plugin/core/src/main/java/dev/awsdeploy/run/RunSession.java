package dev.awsdeploy.run;

import java.util.Map;

/**
 * What a step opens for its run once the input is valid (the AWS context of the {@code aws} package) and the run
 * closes at its end; the API calls it made go into the result and the record. The run knows it only by this
 * interface, so {@code run} stays below {@code aws}.
 */
public interface RunSession extends AutoCloseable {
    /** The API calls made so far, by operation. */
    Map<String, Integer> callsByOperation();

    @Override
    void close();
}
