"""The rehearsal's buildspec shell: phases in order in one shell, a failing command stops its phase, ABORT ends
the build, CONTINUE goes on; and the generated release buildspec passes through it unchanged in order."""

from __future__ import annotations

import subprocess

import yaml

from tooling.rehearsal.buildrunner import PHASES, _parse_phases, script


def run(spec: dict, tmp_path) -> tuple[list, subprocess.CompletedProcess]:
    log = tmp_path / "phases.log"
    log.write_text("")
    completed = subprocess.run(
        ["bash", "-c", script(spec)],
        env={"PATH": "/usr/bin:/bin", "REHEARSAL_PHASE_LOG": str(log), "CODEBUILD_SRC_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    return _parse_phases(log.read_text()), completed


def spec(**phases) -> dict:
    return {"version": 0.2, "phases": phases}


def test_phases_run_in_order_in_one_shell(tmp_path):
    phases, completed = run(
        spec(
            post_build={"commands": ['echo "post $TAG" >> order']},
            install={"commands": ["echo install >> order"]},
            build={"commands": ["echo build >> order"]},
            pre_build={"commands": ["TAG=release-1", "echo pre >> order"]},
        ),
        tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    assert [p.name for p in phases] == list(PHASES)
    assert {p.status for p in phases} == {"SUCCEEDED"}
    assert (tmp_path / "order").read_text().split("\n") == ["install", "pre", "build", "post release-1", ""]


def test_abort_ends_the_build_at_the_failed_command(tmp_path):
    phases, completed = run(
        spec(
            install={"commands": ["true"]},
            pre_build={"on-failure": "ABORT", "commands": ["echo before >> ran", "false", "echo after >> ran"]},
            build={"on-failure": "ABORT", "commands": ["echo build >> ran"]},
            post_build={"commands": ["echo post >> ran"]},
        ),
        tmp_path,
    )
    assert completed.returncode != 0
    assert [(p.name, p.status) for p in phases] == [("install", "SUCCEEDED"), ("pre_build", "FAILED")]
    assert phases[1].failed_command == "false"
    assert (tmp_path / "ran").read_text() == "before\n"


def test_continue_goes_on_to_the_next_phase(tmp_path):
    phases, _ = run(
        spec(build={"on-failure": "CONTINUE", "commands": ["false"]}, post_build={"commands": ["echo post > ran"]}),
        tmp_path,
    )
    assert [(p.name, p.status) for p in phases] == [("build", "FAILED"), ("post_build", "SUCCEEDED")]
    assert (tmp_path / "ran").read_text() == "post\n"


def test_release_buildspec_commands_appear_in_phase_order():
    from envconfig.model import Build
    from release.buildspec import container_image_buildspec

    rendered = yaml.safe_load(
        container_image_buildspec(
            Build(), registry="r", repository="repo", container_name="app", coverage_report_group="g"
        ).render()
    )
    text = script(rendered)
    positions = [text.index(f"phase_{name}; __rc=$?") for name in PHASES if name in rendered["phases"]]
    assert positions == sorted(positions) and len(positions) == 4
    assert text.index("npm test") < text.index("docker build") < text.index("docker push")
