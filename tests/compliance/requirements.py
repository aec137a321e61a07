"""Which tests prove which SPEC requirement: the source of `docs/compliance-report.yaml`.

Every requirement ID of the registry (`tests/compliance/registry.py`) has exactly one entry here:

- `Proven(tests)`: the pytest node ids (function level: every parametrization counts) whose assertions are the
  requirement. The report says `pass` only when every one of them ran and passed in the run that wrote it,
  `fail` when one failed, `not_measured` when one was skipped or not collected (fail-closed, Appendix A.3).
- `Open(status, note, delivered_by, tests, observed_by)`: not met today, with the defect observed or the
  missing command, and the open issue that delivers it. `observed_by` names the tests of
  `tests/test_spec_defects.py` that show the defect (strict xfails: they fail until the fix); `tests` may name
  what already works. Neither can lift the status. When the fix lands its defect test passes, which a strict
  xfail reports as a failure: drop the mark and turn the entry into `Proven(...)` naming that test.

`tests/test_compliance_report.py` keeps this honest: every node id exists, every Tier 1 and 2 requirement is
either proven by a test or names its issue, and the committed report is what this map generates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

OpenStatus = Literal["fail", "partial", "not_measured"]


@dataclass(frozen=True)
class Proven:
    tests: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True)
class Open:
    status: OpenStatus
    note: str
    delivered_by: int | None
    tests: tuple[str, ...] = ()
    observed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    """One DEFAULT_001 breakdown row or error code: what the tool ships, and the tests that show it."""

    yes: bool
    overridable: bool = False
    note: str | None = None
    tests: tuple[str, ...] = ()


SEND = "tests/test_send.py::"
TASK = "tests/test_task_commands.py::"
POLL = "tests/test_task_polling.py::"
MISB = "tests/test_send_misbehaving.py::"
CARD = "tests/test_card_command.py::"
RESOLVER = "tests/test_card_resolver.py::"
CONN = "tests/test_client_connection.py::"
CHAT_PTY = "tests/test_chat_pty.py::"
CHAT_PIPED = "tests/test_chat_piped.py::"
CREDS = "tests/hostile/test_hostile_credentials.py::"
CONFIG = "tests/test_config.py::"
HELP = "tests/test_help.py::"
SPEC = "tests/test_spec_requirements.py::"
DEFECT = "tests/test_spec_defects.py::"
AUTH_OIDC = "tests/test_auth_oidc.py::"
AUTH_LOGIN = "tests/test_auth_login.py::"
AUTH_STORE = "tests/test_auth_store.py::"
AUTH_TLS = "tests/test_auth_tls.py::"
CONFORM = "tests/test_conformance_agents.py::"
GRPC_CLIENT = "tests/test_grpc_client.py::"
GRPC_INTEROP = "tests/test_grpc_interop.py::"
CATALOG = "tests/test_catalog.py::"

EVIDENCE: Final[dict[str, Proven | Open]] = {
    # ─────────────── Tier 1 ───────────────
    "A2ACLI_CARD_GET_001": Proven(
        (
            RESOLVER + "test_origin_resolves_well_known_and_sends_version",
            RESOLVER + "test_full_card_url_and_version_header",
            RESOLVER + "test_bare_host_port_uses_http_for_loopback",
            RESOLVER + "test_file_path_and_file_url",
            CARD + "test_card_get_json_is_the_card_as_served",
            CARD + "test_card_from_stdin",
            CONN + "test_selection_prefers_highest_version_then_card_order",
        )
    ),
    "A2ACLI_SEND_001": Proven(
        (
            SEND + "test_text_floor_reports_ids_state_artifact_and_next_command",
            SEND + "test_json_is_exactly_one_send_message_response",
        )
    ),
    "A2ACLI_SEND_002": Proven(
        (
            SEND + "test_text_floor_reports_ids_state_artifact_and_next_command",
            SEND + "test_async_returns_at_once_with_the_ids",
        )
    ),
    "A2ACLI_SEND_003": Proven(
        (
            SEND + "test_stream_json_lines_end_on_the_terminal_event",
            SEND + "test_message_only_reply",
            MISB + "test_non_streaming_agent_still_gives_json_lines",
        )
    ),
    "A2ACLI_SEND_004": Proven(
        (
            SEND + "test_artifacts_of_every_kind_are_rendered",
            "tests/test_stream_render.py::test_data_file_and_message_parts",
        )
    ),
    "A2ACLI_SEND_005": Proven(
        (
            SEND + "test_parts_keep_their_order_and_media_types",
            SEND + "test_usage_errors_exit_2",
        )
    ),
    "A2ACLI_SEND_006": Proven(
        (
            SEND + "test_parts_keep_their_order_and_media_types",
            SPEC + "test_data_dash_reads_stdin_in_its_place",
        )
    ),
    "A2ACLI_TASK_GET_001": Proven(
        (
            TASK + "test_get_one_shot_text_and_json",
            TASK + "test_get_history_is_shown_and_stream_json_is_one_task_line",
            TASK + "test_unknown_task_ids_exit_1_with_task_not_found",
        )
    ),
    "A2ACLI_TASK_CANCEL_001": Proven(
        (
            TASK + "test_cancel_is_idempotent_and_reports_the_state",
            TASK + "test_cancel_of_a_completed_task_is_task_not_cancelable",
        )
    ),
    "A2ACLI_INTERACT_001": Proven((SPEC + "test_context_id_continues_the_interaction_in_a_new_task",)),
    "A2ACLI_INTERACT_002": Proven(
        (
            SEND + "test_input_required_stops_and_the_reply_continues_the_task",
            SEND + "test_rejected_task_id_fails_without_a_new_task",
            SPEC + "test_task_id_with_its_context_continues_and_a_mismatch_starts_nothing",
        )
    ),
    "A2ACLI_INTERACT_003": Proven((SPEC + "test_a_new_message_carries_no_invented_ids",)),
    "A2ACLI_INTERACT_004": Proven(
        (
            SEND + "test_text_floor_reports_ids_state_artifact_and_next_command",
            SEND + "test_input_required_stops_and_the_reply_continues_the_task",
            SEND + "test_timeout_reports_the_ids_and_exits_5",
            "tests/test_stream.py::test_ctrl_c_stops_cleanly_with_ids_and_resume_command",
            "tests/test_resume_cli.py::test_ctrl_c_keeps_the_ids_and_the_resume_command",
        )
    ),
    "A2ACLI_INTERACT_005": Proven(
        (
            CONFIG + "test_task_and_context_ids_are_never_read_from_files",
            SPEC + "test_nothing_of_a_turn_is_remembered",
        )
    ),
    "A2ACLI_TASK_POLL_001": Proven(
        (
            TASK + "test_get_one_shot_text_and_json",
            TASK + "test_get_wait_polls_to_the_final_state",
        )
    ),
    "A2ACLI_TASK_POLL_002": Proven(
        (
            TASK + "test_get_wait_times_out_with_exit_5_and_the_resume_command",
            TASK + "test_bad_poll_interval_is_a_usage_error",
            POLL + "test_wait_timeout_on_a_task_that_never_settles",
            "tests/test_resume_cli.py::test_ctrl_c_keeps_the_ids_and_the_resume_command",
        )
    ),
    "A2ACLI_TASK_POLL_003": Proven(
        (
            TASK + "test_get_wait_stops_at_input_required",
            POLL + "test_wait_stops_at_auth_required",
            POLL + "test_wait_keeps_polling_through_unspecified",
        )
    ),
    "A2ACLI_TASK_POLL_004": Proven(
        (
            MISB + "test_truncated_stream_falls_back_to_polling",
            POLL + "test_subscribe_falls_back_to_polling_and_shows_each_word_once",
        )
    ),
    "A2ACLI_OUT_001": Proven(
        (
            SEND + "test_text_floor_reports_ids_state_artifact_and_next_command",
            SEND + "test_json_is_exactly_one_send_message_response",
            SEND + "test_failed_task_exits_zero_with_a_warning",
            CARD + "test_cache_notes_stay_off_stdout",
            SPEC + "test_debug_logs_the_raw_wire_on_stderr_only",
        )
    ),
    "A2ACLI_OUT_002": Proven(
        (
            SEND + "test_json_is_exactly_one_send_message_response",
            TASK + "test_get_one_shot_text_and_json",
            TASK + "test_subscribe_text_and_single_json",
        )
    ),
    "A2ACLI_OUT_003": Proven(
        (
            SEND + "test_stream_json_lines_end_on_the_terminal_event",
            SEND + "test_timeout_reports_the_ids_and_exits_5",
            SEND + "test_protocol_error_is_reported_by_name",
            MISB + "test_error_event_mid_stream_keeps_its_a2a_name",
            "tests/test_stream.py::test_jsonl_and_output_json_are_the_same_json_lines",
        )
    ),
    "A2ACLI_OUT_004": Proven(
        (
            SEND + "test_protocol_error_is_reported_by_name",
            MISB + "test_error_event_mid_stream_keeps_its_a2a_name",
            MISB + "test_an_unknown_jsonrpc_error_code_keeps_the_agents_code_only_in_a2a_code",
            MISB + "test_an_error_name_a2a_does_not_define_is_not_copied_into_code_over_http_json",
            DEFECT + "test_an_unknown_agent_error_code_gets_no_invented_name",
        ),
        "An agent error A2A does not name is A2ACLI_ERR_INTERNAL (Appendix D: no better code), the agent's own"
        " code in a2aCode.",
    ),
    "A2ACLI_OUT_005": Proven(
        (
            CARD + "test_text_floor_labels_are_stable",
            SEND + "test_text_floor_reports_ids_state_artifact_and_next_command",
            CARD + "test_the_text_floor_is_the_default_on_a_terminal",
            TASK + "test_task_commands_print_the_text_floor_on_a_terminal",
            DEFECT + "test_the_text_floor_is_the_default_on_a_terminal_too",
            DEFECT + "test_send_prints_the_text_floor_on_a_terminal_too",
        ),
        "The text floor is the default on a terminal too; the Rich views are `-o rich` (A2ACLI_OUTPUT=rich), on a"
        " terminal only. One deliberate difference: `a2a stream` keeps its live view on a terminal (this tool's"
        " own command; `a2a send --stream` is the SPEC's form and prints the floor).",
    ),
    "A2ACLI_OUT_006": Proven((SEND + "test_async_returns_at_once_with_the_ids",)),
    "A2ACLI_EXIT_001": Proven(
        (
            SEND + "test_usage_errors_exit_2",
            HELP + "test_exit_codes_epilog",
            POLL + "test_ctrl_c_exits_130_and_the_envelope_says_interrupted",
            DEFECT + "test_the_interrupt_envelope_agrees_with_exit_130",
        ),
        "Ctrl-C exits 130 with the vendor code X_A2ACLI_INTERRUPTED (outside the A2ACLI_ERR_* namespace), as the"
        " exit-code epilog of --help documents.",
    ),
    "A2ACLI_EXIT_002": Proven(
        (
            SEND + "test_failed_task_exits_zero_with_a_warning",
            SEND + "test_input_required_stops_and_the_reply_continues_the_task",
            POLL + "test_wait_stops_at_auth_required",
        )
    ),
    "A2ACLI_AUTH_001": Proven(
        (
            MISB + "test_api_key_goes_in_the_declared_header",
            MISB + "test_401_hint_comes_from_the_card_and_the_token_never_shows",
            MISB + "test_every_request_carries_the_version_and_the_tenant",
            CONN + "test_api_key_goes_where_the_scheme_says",
            CREDS + "test_credentials_go_to_the_agent_not_to_the_card",
            "tests/test_settings_dotenv.py::test_bearer_from_a_dotenv_file_reaches_the_agent_unquoted",
            HELP + "test_every_option_reads_its_canonical_variable",
            SPEC + "test_svc_param_is_never_presented_as_authentication",
        )
    ),
    "A2ACLI_AUTH_002": Proven(
        (
            HELP + "test_every_option_reads_its_canonical_variable",
            HELP + "test_every_credential_option_says_a_flag_exposes_it",
            DEFECT + "test_every_credential_flag_documents_its_exposure",
        )
    ),
    "A2ACLI_AUTH_003": Proven(
        (
            CARD + "test_insecure_card_commands_warn_once_and_name_the_credentials_they_send",
            DEFECT + "test_card_commands_warn_when_insecure_disables_tls_verification",
        )
    ),
    "A2ACLI_AUTH_004": Proven(
        (
            CREDS + "test_debug_output_and_errors_never_show_credentials",
            CREDS + "test_credentials_from_the_environment_are_redacted_too",
            "tests/test_cli_root.py::test_debug_traceback_is_redacted_and_sanitised",
            CONFIG + "test_secrets_are_redacted_everywhere",
            CREDS + "test_credentials_an_agent_echoes_into_the_task_are_never_printed",
        ),
        "Diagnostics are redacted, and so are the user's own credentials wherever an agent echoes them into task"
        " content (status text, artifact names and text) in text, JSON and --debug output.",
    ),
    "A2ACLI_TX_001": Proven(
        (
            CONN + "test_selection_prefers_highest_version_then_card_order",
            CONN + "test_transport_preference_is_ordered_and_tenant_is_kept",
        )
    ),
    "A2ACLI_TX_002": Proven(
        (
            CONN + "test_transport_preference_is_ordered_and_tenant_is_kept",
            CONN + "test_an_explicit_transport_the_client_cannot_speak_is_a_usage_error",
            CONN + "test_selection_prefers_highest_version_then_card_order",
        ),
        "A binding the card lacks falls back to the card's order as §13.1 allows; `--transport` naming only"
        " bindings the tool cannot speak (GRPC) is a usage error naming what the card offers.",
    ),
    "A2ACLI_TX_003": Proven(
        (
            MISB + "test_every_request_carries_the_version_and_the_tenant",
            CONN + "test_transport_preference_is_ordered_and_tenant_is_kept",
            "tests/test_client_operations.py::test_plans_put_path_fields_query_and_tenant_where_each_binding_wants_them",
        )
    ),
    "A2ACLI_VER_001": Proven(
        (
            DEFECT + "test_going_below_1_0_is_never_silent",
            "tests/test_send_v03_agent.py::test_going_below_1_0_warns_every_run_unless_pinned",
            MISB + "test_every_request_carries_the_version_and_the_tenant",
            "tests/test_send_v03_agent.py::test_pinning_10_on_a_03_only_agent_is_a_clear_error",
        ),
        "Below 1.0 (an agent that only speaks 0.3) the connection warns on stderr every run unless --a2a-version"
        " pins that version.",
    ),
    "A2ACLI_DEFAULT_001": Proven(
        (
            HELP + "test_help_shows_built_in_defaults",
            DEFECT + "test_the_text_floor_is_the_default_on_a_terminal_too",
            DEFECT + "test_going_below_1_0_is_never_silent",
        ),
        "Every default of the breakdown is shipped and overridable; `a2a stream`, this tool's own command, keeps"
        " a live view on a terminal by design.",
    ),
    "A2ACLI_CONFIG_001": Proven(
        (
            CONFIG + "test_precedence_flag_env_local_global_default",
            CONFIG + "test_warns_when_a_credential_file_is_readable_by_others",
            CONFIG + "test_text_output_is_one_labelled_field_per_line",
            CONFIG + "test_task_and_context_ids_are_never_read_from_files",
        )
    ),
    "A2ACLI_CLI_001": Proven(
        (
            HELP + "test_help_command_matches_dash_dash_help",
            HELP + "test_version_flags",
            HELP + "test_help_shows_built_in_defaults",
            HELP + "test_help_shows_the_effective_default_from_files_and_environment",
            CARD + "test_card_help_shows_the_card_fetch_deadline",
            DEFECT + "test_card_help_shows_the_effective_timeout",
        )
    ),
    "A2ACLI_SKILL_001": Proven(
        (
            SPEC + "test_one_skill_that_defers_to_runtime_help",
            "tests/test_help_recipes.py::test_skill_examples_are_real",
        )
    ),
    "A2ACLI_SKILL_002": Proven((SPEC + "test_the_skill_does_not_restate_the_specification",)),
    # ─────────────── Tier 2 ───────────────
    "A2ACLI_CARD_GET_002": Proven(
        (
            CARD + "test_validate_exit_codes_and_json_report",
            CARD + "test_validate_demo_agent_is_clean",
            "tests/test_card_validate.py::test_corpus",
        ),
    ),
    "A2ACLI_TASK_LIST_001": Proven(
        (
            TASK + "test_list_json_stream_text_and_pagination",
            SPEC + "test_task_list_filters_by_context",
        )
    ),
    "A2ACLI_TASK_SUBSCRIBE_001": Proven(
        (
            TASK + "test_subscribe_text_and_single_json",
            TASK + "test_subscribe_and_get_on_every_binding_and_version",
        )
    ),
    "A2ACLI_TASK_SUBSCRIBE_002": Proven(
        (
            TASK + "test_subscribe_json_stream_first_event_is_the_task",
            "tests/test_resume_stream.py::test_a_cut_stream_resubscribes_and_shows_every_word_once",
            "tests/test_resume_cli.py::test_task_subscribe_through_a_proxy_that_cuts_the_stream",
        ),
    ),
    "A2ACLI_AUTH_005": Proven(
        (
            DEFECT + "test_auth_login_exists",
            AUTH_OIDC + "test_device_login_refresh_after_expiry_and_logout",
            AUTH_OIDC + "test_device_login_denied_is_exit_4_nothing_stored",
            AUTH_OIDC + "test_device_login_ctrl_c_is_clean",
            AUTH_LOGIN + "test_device_login_then_send",
            AUTH_LOGIN + "test_device_denied_and_expired",
        ),
        "RFC 8628 against panva's oidc-provider and the tests' own authorization server: verification URI,"
        " complete URI and user code on stderr; interval, slow_down, authorization_pending, expired_token and"
        " access_denied honoured; Ctrl-C stores nothing.",
    ),
    "A2ACLI_AUTH_006": Proven(
        (
            AUTH_OIDC + "test_client_credentials_login_send_refresh_logout",
            AUTH_LOGIN + "test_client_credentials_login_is_stored_and_attached",
            AUTH_LOGIN + "test_client_secret_from_variable_and_from_stdin",
            AUTH_LOGIN + "test_secret_to_another_origin_needs_yes_off_a_terminal",
            AUTH_LOGIN + "test_bad_token_answers_are_one_line_exit_4_nothing_stored",
        ),
        "The secret from A2ACLI_CLIENT_SECRET, the flag or stdin; scopes default to the card's requirement; a"
        " token endpoint on another origin needs --yes off a terminal.",
    ),
    "A2ACLI_AUTH_007": Proven(
        (
            AUTH_STORE + "test_the_keyring_holds_the_secrets_when_usable",
            AUTH_STORE + "test_the_file_when_no_keyring_is_usable",
            AUTH_LOGIN + "test_client_credentials_login_is_stored_and_attached",
            AUTH_LOGIN + "test_refresh_after_expiry",
            AUTH_LOGIN + "test_refresh_on_401_invalid_token_then_give_up",
            AUTH_LOGIN + "test_logout_revokes_and_forgets",
            AUTH_LOGIN + "test_explicit_bearer_wins_over_the_stored_login",
            AUTH_OIDC + "test_device_login_refresh_after_expiry_and_logout",
        ),
        "The OS keyring when usable, else a 0600 file in a 0700 folder; attached by every agent command,"
        " renewed when expired or once on 401 invalid_token; explicit flags win.",
    ),
    "A2ACLI_TX_004": Proven(
        (
            CONN + "test_demo_agent_round_trip_on_every_binding_and_version",
            TASK + "test_subscribe_and_get_on_every_binding_and_version",
            "tests/hostile/test_hostile_send.py::test_send_and_stream_other_wires",
        )
    ),
    "A2ACLI_VER_003": Proven(
        (
            "tests/test_push_e2e.py::test_push_conversation_refuses_an_agent_without_push",
            TASK + "test_push_config_is_refused_before_sending_when_the_card_has_no_push",
            DEFECT + "test_push_config_is_refused_when_the_card_has_no_push",
        )
    ),
    "A2ACLI_CONFIG_002": Proven(
        (
            CONFIG + "test_precedence_flag_env_local_global_default",
            CONFIG + "test_config_show_reports_the_defaults_the_commands_use",
            DEFECT + "test_config_show_reports_the_defaults_help_shows",
        )
    ),
    "A2ACLI_DOWNLOAD_001": Proven(
        (
            TASK + "test_download_writes_artifacts_and_refuses_to_overwrite",
            DEFECT + "test_download_json_is_not_a_shape_of_the_tools_own",
        ),
        "-o json prints the Task; the files written are listed under its metadata key urn:a2acli:download.",
    ),
    "A2ACLI_OUT_007": Proven((SPEC + "test_debug_logs_the_raw_wire_on_stderr_only",)),
    "A2ACLI_CONFORM_001": Proven(
        (
            DEFECT + "test_conformance_exists",
            CONFORM + "test_a2a_serve_is_conformant",
            CONFORM + "test_plain_sdk_agent_fails_the_tcks_must_ids",
            CONFORM + "test_sloppy_agent_fails_each_broken_rule",
            CONFORM + "test_a_03_agent_fails_the_10_requirements",
            CONFORM + "test_reachability_auth_and_timeout_exit_statuses",
            CONFORM + "test_text_floor_and_junit_and_sarif",
        ),
        "Native checks named by the A2A TCK's requirement IDs (1.0-dev); verdicts compared with the TCK itself on"
        " the same agents in docs/conformance-agreement.md (tests/test_conformance_tck.py runs both when"
        " A2ACLI_TCK_DIR names a TCK checkout).",
    ),
    "A2ACLI_CLI_002": Proven(
        (
            "tests/test_completion.py::test_the_bash_script_works_in_bash",
            "tests/test_completion.py::test_zsh_and_fish_requests",
            "tests/test_completion.py::test_completion_rejects_an_unknown_shell",
            "tests/test_completion.py::test_committed_scripts_are_current",
        )
    ),
    "A2ACLI_PUSH_001": Proven((TASK + "test_push_config_crud",)),
    # ─────────────── Tier 3 ───────────────
    "A2ACLI_CARD_GET_003": Proven(
        (
            DEFECT + "test_the_extended_card_is_fetched_only_through_a_declared_scheme",
            CONN + "test_the_extended_card_gets_only_the_credentials_a_declared_scheme_takes",
            CARD + "test_extended_card",
            CARD + "test_extended_not_advertised",
        ),
    ),
    "A2ACLI_CARD_GET_004": Proven(
        (
            DEFECT + "test_a_key_the_card_names_itself_is_not_trusted",
            "tests/test_card_signing.py::test_a_fresh_key_named_by_a_jku_on_another_origin_is_unverifiable",
            "tests/test_card_signing.py::test_only_a_jku_on_the_cards_own_origin_is_trusted",
            "tests/test_card_signing.py::test_cli_verify_with_jku",
            "tests/test_card_signing.py::test_cli_verify_absent_and_unverifiable",
            "tests/test_card_signing.py::test_outcomes_never_overstate",
            "tests/test_card_signing.py::test_cli_sign_and_verify",
        ),
        "Verified only by a key the user trusts: --jwks (file or URL, pinned as A2ACLI_JWKS) or a jku on the card's"
        " own https origin; a signature by any other key is unverifiable, with the reason, and fails the command.",
    ),
    "A2ACLI_CARD_GET_005": Proven(
        (
            CATALOG + "test_send_card_task_and_conformance_accept_a_catalog_name",
            CATALOG + "test_chat_reaches_a_catalog_name_and_its_resume_hint_keeps_it",
            CATALOG + "test_mcp_pins_a_catalog_entry",
            CATALOG + "test_a_url_catalog_is_fetched_without_credentials",
            CATALOG + "test_a_file_catalog_resolves_card_files_next_to_it",
            CATALOG + "test_an_unknown_name_is_a_usage_error_naming_the_known_entries",
            CATALOG + "test_entries_never_carry_credentials_or_chains",
            CATALOG + "test_a_catalog_file_with_a_secret_field_is_refused",
            CATALOG + "test_add_list_show_remove_and_the_file_stays_private",
            CATALOG + "test_a_catalog_others_can_write_is_not_used",
        ),
        "-a catalog:NAME on every agent command (and a2a mcp --agent), resolved in settings.connection_settings"
        " before any other operation, from the config dir's catalog.json (0600) or an A2ACLI_CATALOG file or"
        " http(s) URL; the registry protocol itself is out of scope (SPEC §10.1).",
    ),
    "A2ACLI_PUSH_002": Proven(
        (
            "tests/test_push_receiver.py::test_push_listen_prints_json_lines_and_stops_after_count",
            "tests/test_push_receiver.py::test_receiver_accepts_token_header_and_bearer_and_refuses_the_rest",
            "tests/test_push_e2e.py::test_push_listen_receives_what_a_registered_config_delivers",
        )
    ),
    "A2ACLI_CHAT_001": Proven(
        (
            DEFECT + "test_chat_exists",
            CHAT_PTY + "test_two_turns_stream_live_and_share_one_context",
            CHAT_PTY + "test_input_required_then_a_plain_reply_completes_the_same_task",
            CHAT_PTY + "test_ctrl_c_mid_answer_returns_to_the_prompt",
            CHAT_PTY + "test_ctrl_c_clears_a_line_and_at_an_empty_prompt_leaves_with_the_ids",
            CHAT_PTY + "test_hostile_agent_text_stays_sanitised_in_the_chat_view",
            CHAT_PIPED + "test_piped_lines_are_messages_on_the_text_floor",
            CHAT_PIPED + "test_json_lines_are_the_protocol_objects",
            CHAT_PIPED + "test_context_id_and_task_id_resume_a_conversation",
            CHAT_PIPED + "test_a_rejected_task_id_is_an_error_and_starts_no_task",
            CHAT_PIPED + "test_prompt_toolkit_is_imported_only_by_chat_on_a_terminal",
            CHAT_PIPED + "test_the_same_conversation_on_every_binding",
            "tests/test_chat_auth.py::test_log_in_from_another_terminal_then_the_next_line_goes_through",
        ),
        "`a2a chat`: the contextId carried to every turn and an INPUT_REQUIRED/AUTH_REQUIRED task continued by the"
        " next line (checked with `a2a task list` against `a2a serve` in a pty); interactive only when stdin and"
        " stdout are terminals, else one message per line on the text floor (or JSON lines), never a prompt.",
    ),
    "A2ACLI_TX_005": Proven(
        (
            GRPC_CLIENT + "test_send_prints_the_same_in_every_mode_on_every_binding",
            GRPC_CLIENT + "test_stream_json_lines_are_the_same_events_word_by_word",
            GRPC_CLIENT + "test_task_commands_and_push_configs_over_grpc_match_json_rpc",
            GRPC_CLIENT + "test_card_order_picks_grpc_when_listed_first",
            GRPC_CLIENT + "test_a_0_3_agent_over_grpc_is_normalised_to_1_0",
            GRPC_CLIENT + "test_metadata_carries_version_extensions_credentials_and_the_deadline",
            GRPC_CLIENT + "test_a_cut_grpc_stream_resubscribes_and_shows_every_word_once",
            GRPC_CLIENT + "test_hostile_grpc_servers_get_the_spec_error_and_exit_status",
            GRPC_CLIENT + "test_tls_mismatch_both_ways_is_unreachable_exit_3",
            GRPC_CLIENT + "test_without_the_extra_explicit_grpc_and_grpc_only_agents_name_it",
            GRPC_INTEROP + "test_a2a_streams_from_the_a2a_sdk_grpc_server",
            GRPC_INTEROP + "test_a2a_streams_from_the_a2a_js_grpc_server",
        ),
        "`--transport GRPC` (and a card listing GRPC first) on every agent command, through the operation table's"
        " gRPC column: output, exit codes and error names as on JSON-RPC and HTTP+JSON; 0.3 agents normalised to"
        " 1.0; against the a2a-sdk 1.3 and @a2a-js/sdk 1.3 gRPC servers. The `grpc` extra; without it a one-line"
        " error naming it.",
    ),
    "A2ACLI_AUTH_008": Proven(
        (
            DEFECT + "test_card_credentials_go_only_where_a_scheme_accepts_them",
            DEFECT + "test_the_extended_card_is_fetched_only_through_a_declared_scheme",
            RESOLVER + "test_credentials_not_sent_unless_asked",
            RESOLVER + "test_credentials_dropped_on_cross_origin_redirect",
            CONN + "test_the_extended_card_gets_only_the_credentials_a_declared_scheme_takes",
            CREDS + "test_card_command_does_not_send_credentials_unless_asked",
            CREDS + "test_card_redirect_to_another_origin_drops_credentials",
        ),
        "A card endpoint gets a credential only after its 401/403 WWW-Authenticate challenge accepts it (same"
        " origin); the extended card only through a scheme the public card declares.",
    ),
    "A2ACLI_AUTH_009": Proven(
        (
            AUTH_TLS + "test_send_over_mutual_tls_with_cert_key_and_cacert",
            AUTH_TLS + "test_settings_from_environment_variables",
            AUTH_TLS + "test_without_a_client_certificate_is_one_line_exit_4",
            AUTH_TLS + "test_a_certificate_from_another_ca_is_rejected_exit_4",
            AUTH_TLS + "test_the_certificate_goes_only_to_the_agent_origin",
            AUTH_TLS + "test_encrypted_key_with_password_and_wrong_password",
        ),
        "--cert/--key/--key-password/--cacert against a2a serve --tls-cert/--tls-key --client-ca; the"
        " certificate goes to the agent's origins only.",
    ),
    "A2ACLI_AUTH_010": Proven(
        (
            AUTH_OIDC + "test_the_card_declares_the_provider",
            AUTH_OIDC + "test_client_credentials_login_send_refresh_logout",
            AUTH_OIDC + "test_authorization_code_with_pkce_on_a_loopback_redirect",
            AUTH_OIDC + "test_a2a_serve_oauth_issuer_as_a_command",
        ),
        "The provider discovered from the card's openIdConnectUrl (issuer checked); tested against panva's"
        " certified oidc-provider.",
    ),
    "A2ACLI_AUTH_011": Proven(
        (
            POLL + "test_wait_stops_at_auth_required",
            SPEC + "test_auth_required_is_reported_and_resolved_with_the_task_id",
        )
    ),
    "A2ACLI_DEMO_SERVER_001": Proven(
        (
            "tests/test_serve.py::test_serve_streams_and_answers_on_all_paths",
            "tests/test_scenarios.py::test_complete",
            "tests/test_scenarios.py::test_input_required_is_multi_turn",
        ),
    ),
    "A2ACLI_VER_002": Proven(
        (
            DEFECT + "test_extensions_are_declared_to_the_agent",
            MISB + "test_extensions_are_declared_on_every_request",
        ),
        "--extension URI (repeatable, A2ACLI_EXTENSION) and the extensions the card marks required travel in"
        " A2A-Extensions on every request; --debug names those the card required.",
    ),
}

DEFAULT_001_BREAKDOWN: Final[dict[str, Row]] = {
    "transport_server_preference_order": Row(True, True, "--transport, repeatable and ordered"),
    "task_completion_wait_by_default": Row(True, True, "--async returns at once"),
    "output_human_readable_text": Row(
        True,
        True,
        "the text floor, on a terminal too; -o json or -o rich override (A2ACLI_OUTPUT too); `a2a stream`, this"
        " tool's own command, keeps a live view on a terminal by design",
    ),
    "detail_level_concise": Row(True, True, "--verbose shows every part in full"),
    "protocol_version_highest_mutual": Row(
        True, True, "--a2a-version overrides; below 1.0 (a 0.3-only agent) a warning on stderr every run"
    ),
    "transport_security_tls_on": Row(
        True, True, "--insecure disables it, and every command that honours it warns (naming credentials it sends)"
    ),
}

ERROR_CODES: Final[dict[str, Row]] = {
    "A2ACLI_ERR_USAGE": Row(True, tests=(SEND + "test_usage_errors_exit_2",)),
    "A2ACLI_ERR_CARD_NOT_FOUND": Row(True, tests=(CARD + "test_404_on_both_paths",)),
    "A2ACLI_ERR_CARD_INVALID": Row(True, tests=(CARD + "test_bad_input_json_envelope",)),
    "A2ACLI_ERR_UNREACHABLE": Row(True, tests=(CARD + "test_unreachable_and_usage",)),
    "A2ACLI_ERR_CREDENTIALS_MISSING": Row(
        True, tests=(MISB + "test_401_hint_comes_from_the_card_and_the_token_never_shows",)
    ),
    "A2ACLI_ERR_AUTH_FAILED": Row(True, tests=(MISB + "test_401_hint_comes_from_the_card_and_the_token_never_shows",)),
    "A2ACLI_ERR_TIMEOUT": Row(True, tests=(SEND + "test_timeout_reports_the_ids_and_exits_5",)),
    "A2ACLI_ERR_INTERNAL": Row(
        True,
        tests=(MISB + "test_html_500_is_one_line",),
    ),
}


def node_ids() -> list[str]:
    """Every node id the report runs, in map order, once."""
    seen: dict[str, None] = {}
    for entry in EVIDENCE.values():
        seen.update(dict.fromkeys(entry.tests))
        if isinstance(entry, Open):
            seen.update(dict.fromkeys(entry.observed_by))
    for row in ERROR_CODES.values():
        seen.update(dict.fromkeys(row.tests))
    return list(seen)
