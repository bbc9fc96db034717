package dev.awsdeploy.run;

import java.util.Optional;

/** Where a machine's state lives between ticks: a file for the CLI, the StepExecution for the plugin. */
public interface StateStore<S> {
    Optional<S> load();

    void save(S state);

    void clear();

    static <S> StateStore<S> none() {
        return new StateStore<>() {
            @Override
            public Optional<S> load() {
                return Optional.empty();
            }

            @Override
            public void save(S state) {
            }

            @Override
            public void clear() {
            }
        };
    }
}
