"""`sentinel kri rules` output passes `promtool check rules` and behaves in `promtool test rules`."""

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.e2e.conftest import SENTINEL, need

pytestmark = pytest.mark.e2e

KRIS = """
kris:
  - name: returns_rate
    source: observed
    direction: above
    warning: 0.08
    critical: 0.12
    for: 2m
    clear: {margin: 0.01}
    labels: {team: ops}
  - name: sales_vs_plan
    source: observed
    direction: below
    critical: 0.75
    for: 2
    clear: {keep_firing_for: 5m}
"""

TESTS = """
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'sentinel_kri_threshold{kri="returns_rate",severity="warning"}'
        values: '0.08x30'
      - series: 'sentinel_kri_threshold{kri="returns_rate",severity="critical"}'
        values: '0.12x30'
      # ok, then warning from minute 2, critical from 6, hovering just under 0.12 (within the margin) from 10
      # two replicas scraped: each exports the same values (one evaluates, the other follows)
      - series: 'sentinel_kri_value{kri="returns_rate",instance="pod-a"}'
        values: '0.05 0.05 0.09 0.09 0.09 0.09 0.2 0.2 0.2 0.2 0.115 0.115 0.115 0.05 0.05 0.05'
      - series: 'sentinel_kri_value{kri="returns_rate",instance="pod-b"}'
        values: '0.05 0.05 0.09 0.09 0.09 0.09 0.2 0.2 0.2 0.2 0.115 0.115 0.115 0.05 0.05 0.05'
      - series: 'sentinel_kri_threshold{kri="returns_rate",severity="critical",instance="pod-b"}'
        values: '0.12x30'
      - series: 'sentinel_kri_threshold{kri="sales_vs_plan",severity="critical"}'
        values: '0.75x30'
      - series: 'sentinel_kri_value{kri="sales_vs_plan"}'
        values: '1 0.5 0.5 0.5 1 1 1 1 1 1 1 1'
    alert_rule_test:
      - eval_time: 1m
        alertname: KRIBreach
        exp_alerts: []
      - eval_time: 4m
        alertname: KRIBreach
        exp_alerts:
          - exp_labels: {alertname: KRIBreach, kri: returns_rate, severity: warning, team: ops}
            exp_annotations:
              summary: KRI returns_rate is above its warning threshold 0.08
              value: '0.09'
          - exp_labels: {alertname: KRIBreach, kri: sales_vs_plan, severity: critical}
            exp_annotations:
              summary: KRI sales_vs_plan is below its critical threshold 0.75
              value: '0.5'
      - eval_time: 12m
        alertname: KRIBreach
        exp_alerts:
          - exp_labels: {alertname: KRIBreach, kri: returns_rate, severity: critical, team: ops}
            exp_annotations:
              summary: KRI returns_rate is above its critical threshold 0.12
              value: '0.115'
      - eval_time: 15m
        alertname: KRIBreach
        exp_alerts: []
"""


def test_exported_rules_pass_promtool_check_and_unit_tests(tmp_path):
    promtool = need("promtool", "prometheus")
    (tmp_path / "kri.yaml").write_text(KRIS)
    export = subprocess.run(
        [SENTINEL, "kri", "rules", "--config", str(tmp_path / "kri.yaml"), "--out", str(tmp_path / "rules.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert export.returncode == 0, export.stderr
    check = subprocess.run([promtool, "check", "rules", "rules.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0 and "SUCCESS: 3 rules found" in check.stdout, check.stdout + check.stderr
    (tmp_path / "rules_test.yml").write_text(textwrap.dedent(TESTS))
    test = subprocess.run([promtool, "test", "rules", "rules_test.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr


def test_the_built_in_kri_set_exports_valid_rules(tmp_path):
    promtool = need("promtool", "prometheus")
    out = tmp_path / "rules.yml"
    assert (
        subprocess.run([SENTINEL, "kri", "rules", "--out", str(out)], capture_output=True, timeout=120).returncode == 0
    )
    check = subprocess.run([promtool, "check", "rules", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


LIFECYCLE_TESTS = """
rule_files: [alerts.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # pod a holds the lease; pod b starts at minute 10 and wrongly claims it too from minute 20
      - series: 'sentinel_kri_leader{pod="a"}'
        values: '1x40'
      - series: 'sentinel_kri_leader{pod="b"}'
        values: '_x10 0x9 1x20'
    alert_rule_test:
      - eval_time: 15m
        alertname: SentinelKriLeaderNotOne
        exp_alerts: []
      - eval_time: 30m
        alertname: SentinelKriLeaderNotOne
        exp_alerts:
          - exp_labels: {severity: critical}
            exp_annotations:
              summary: "2 sentinel processes hold the KRI lease (want exactly 1): check the pods and the database"
  - interval: 1m
    input_series:
      - series: 'sentinel_kri_leader{pod="a"}'
        values: '0x20'  # the holder died and nobody took over
    alert_rule_test:
      - eval_time: 10m
        alertname: SentinelKriLeaderNotOne
        exp_alerts:
          - exp_labels: {severity: critical}
            exp_annotations:
              summary: "0 sentinel processes hold the KRI lease (want exactly 1): check the pods and the database"
  - interval: 1m
    input_series:
      - series: 'sentinel_kri_leader{pod="a"}'
        values: '1x5 _x20'  # every pod gone from the scrape
    alert_rule_test:
      - eval_time: 4m
        alertname: SentinelNotScraped
        exp_alerts: []
      - eval_time: 20m
        alertname: SentinelNotScraped
        exp_alerts:
          - exp_labels: {severity: critical}
            exp_annotations:
              summary: "no sentinel process is scraped: check the deployment and Prometheus' scrape config"
"""


def test_the_lifecycle_alerts_pass_promtool_and_catch_a_missing_or_doubled_kri_leader(tmp_path):
    promtool = need("promtool", "prometheus")
    shutil.copy(Path(__file__).parents[2] / "deploy" / "alerts.yaml", tmp_path / "alerts.yaml")
    check = subprocess.run([promtool, "check", "rules", "alerts.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    (tmp_path / "alerts_test.yml").write_text(textwrap.dedent(LIFECYCLE_TESTS))
    test = subprocess.run([promtool, "test", "rules", "alerts_test.yml"], cwd=tmp_path, capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr
