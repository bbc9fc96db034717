package dev.awsdeploy.jenkins;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.List;
import java.util.Set;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code ecrPush}: pushes an image to ECR without a Docker daemon. Runs on the agent that holds the workspace,
 * since image archives are large and {@code docker:IMAGE} reads the agent's daemon.
 * Property names are the engine's parameter names (PluginStepsMatchEngineTest in core checks them).
 */
public final class EcrPushStep extends EngineStep {
    private final String source;
    private final String repository;
    private String registryId;
    private List<String> tags;
    private Boolean createRepository;
    private Boolean scanOnPush;
    private String tagMutability;
    private String encryption;
    private String kmsKey;
    private String registryUrl;
    private List<String> mountFrom;
    private String platform;

    @DataBoundConstructor
    public EcrPushStep(String source, String repository) {
        this.source = EngineInput.blankToNull(source);
        this.repository = EngineInput.blankToNull(repository);
    }

    @Override
    String stepName() {
        return "ecrPush";
    }

    @Override
    boolean resumable() {
        return false;
    }

    /** Runs on the agent: the image is pushed from where it was built. */
    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new AgentExecution(this, context);
    }

    @Override
    void collect(EngineInput in) {
        in.put("source", source);
        in.put("repository", repository);
        in.put("registryId", registryId);
        in.put("tags", tags);
        in.put("createRepository", createRepository);
        in.put("scanOnPush", scanOnPush);
        in.put("tagMutability", tagMutability);
        in.put("encryption", encryption);
        in.put("kmsKey", kmsKey);
        in.put("registryUrl", registryUrl);
        in.put("mountFrom", mountFrom);
        in.put("platform", platform);
    }

    public String getSource() {
        return source;
    }

    public String getRepository() {
        return repository;
    }

    public String getRegistryId() {
        return registryId;
    }

    @DataBoundSetter
    public void setRegistryId(String registryId) {
        this.registryId = EngineInput.blankToNull(registryId);
    }

    public List<String> getTags() {
        return tags;
    }

    @DataBoundSetter
    public void setTags(List<String> tags) {
        this.tags = EngineInput.copy(tags);
    }

    public Boolean getCreateRepository() {
        return createRepository;
    }

    @DataBoundSetter
    public void setCreateRepository(Boolean createRepository) {
        this.createRepository = createRepository;
    }

    public Boolean getScanOnPush() {
        return scanOnPush;
    }

    @DataBoundSetter
    public void setScanOnPush(Boolean scanOnPush) {
        this.scanOnPush = scanOnPush;
    }

    public String getTagMutability() {
        return tagMutability;
    }

    @DataBoundSetter
    public void setTagMutability(String tagMutability) {
        this.tagMutability = EngineInput.blankToNull(tagMutability);
    }

    public String getEncryption() {
        return encryption;
    }

    @DataBoundSetter
    public void setEncryption(String encryption) {
        this.encryption = EngineInput.blankToNull(encryption);
    }

    public String getKmsKey() {
        return kmsKey;
    }

    @DataBoundSetter
    public void setKmsKey(String kmsKey) {
        this.kmsKey = EngineInput.blankToNull(kmsKey);
    }

    public String getRegistryUrl() {
        return registryUrl;
    }

    @DataBoundSetter
    public void setRegistryUrl(String registryUrl) {
        this.registryUrl = EngineInput.blankToNull(registryUrl);
    }

    public List<String> getMountFrom() {
        return mountFrom;
    }

    @DataBoundSetter
    public void setMountFrom(List<String> mountFrom) {
        this.mountFrom = EngineInput.copy(mountFrom);
    }

    public String getPlatform() {
        return platform;
    }

    @DataBoundSetter
    public void setPlatform(String platform) {
        this.platform = EngineInput.blankToNull(platform);
    }

    @Extension
    @Symbol("ecrPush")
    public static final class DescriptorImpl extends EngineStepDescriptor {
        @Override
        public String getFunctionName() {
            return "ecrPush";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Push an image to Amazon ECR without a Docker daemon";
        }

        /** Also a workspace: the engine runs on its agent. */
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class, EnvVars.class, FilePath.class);
        }
    }
}
