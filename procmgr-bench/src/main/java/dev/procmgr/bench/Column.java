package dev.procmgr.bench;

/** The four columns, measured side by side in one run. */
enum Column {
    RAW_PB("raw ProcessBuilder", "raw_processbuilder"),
    RAW_NU("raw NuProcess", "raw_nuprocess"),
    PM_JDK("procmgr jdk", "procmgr_jdk"),
    PM_NU("procmgr nuprocess", "procmgr_nuprocess");

    final String title;
    final String key;

    Column(String title, String key) {
        this.title = title;
        this.key = key;
    }
}
