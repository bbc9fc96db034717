package dev.awsdeploy.run;

/** When the CLI's main method was entered (wall clock, ms), for a trace that tells the JVM's start-up apart; 0 in Jenkins. */
public final class Startup {
    private static volatile long mainEntered;

    private Startup() {
    }

    public static void mainEntered() {
        mainEntered = System.currentTimeMillis();
    }

    public static long mainEnteredMillis() {
        return mainEntered;
    }
}
