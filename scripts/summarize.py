"""Add up the results of every tier (JUnit XML from pytest and ctest, and
the 'N passed, N failed' line of the shell tests) into one closing line."""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

results = sys.argv[1]
passed = failed = skipped = 0
for path in glob.glob(os.path.join(results, "*.xml")):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for s in suites:
        tests = int(s.get("tests", 0))
        f = int(s.get("failures", 0)) + int(s.get("errors", 0))
        sk = int(s.get("skipped", 0) or s.get("disabled", 0) or 0)
        passed += tests - f - sk
        failed += f
        skipped += sk
for path in glob.glob(os.path.join(results, "*.log")):
    if os.path.exists(path[:-4] + ".xml"):
        continue
    for line in open(path, errors="replace"):
        m = re.match(r"^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?", line.strip())
        if m:
            passed += int(m.group(1))
            failed += int(m.group(2))
            skipped += int(m.group(3) or 0)
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
