package dev.awsdeploy.jenkins;

import hudson.model.Run;
import jenkins.model.RunAction2;

/**
 * One step's deployment record, attached to the build: what was live before and after, every change, the timeline
 * and the outcome, as the engine wrote it (JSON, secrets already redacted). Only strings are kept, so build.xml
 * holds no SDK types.
 */
public final class DeploymentRecordAction implements RunAction2 {
    private final String label;
    private final String id;
    private final String outcome;
    private final String summary;
    private final String json;
    private transient Run<?, ?> run;

    DeploymentRecordAction(String label, String id, String outcome, String summary, String json) {
        this.label = label;
        this.id = id;
        this.outcome = outcome;
        this.summary = summary;
        this.json = json;
    }

    @Override
    public String getIconFileName() {
        return "clipboard.png";
    }

    @Override
    public String getDisplayName() {
        return "AWS deployment: " + label + " (" + outcome + ")";
    }

    @Override
    public String getUrlName() {
        return "aws-deploy-" + id;
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    public String getLabel() {
        return label;
    }

    public String getOutcome() {
        return outcome;
    }

    public String getSummary() {
        return summary;
    }

    /** The record as JSON. */
    public String getJson() {
        return json;
    }
}
