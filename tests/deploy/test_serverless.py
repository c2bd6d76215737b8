"""serverless.yml, packaged offline by the Serverless Framework v3: the template deploys the
artefact CI tests, keeps secrets out, splits lists, and passes cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from deploy import build
from tests.deploy.conftest import CI_PARAMS, function_of, serverless_package

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def _split(value: Any) -> list[str]:
    """Evaluates the Fn::Split the template holds (CloudFormation does it at deploy time)."""
    if isinstance(value, dict) and "Fn::Split" in value:
        separator, text = value["Fn::Split"]
        return str(text).split(separator)
    assert isinstance(value, list)
    return [str(v) for v in value]


def test_functions_run_the_tested_python_on_the_tested_architecture(
        ci_template: dict[str, Any]) -> None:
    for name, handler in (("api", "api.lambda_handler.handler"),
                          ("migrate", "api.lambda_migrate.handler"),
                          ("report", "api.lambda_report.handler"),
                          ("purge", "api.lambda_purge.handler")):
        function = function_of(ci_template, name)
        assert function["Runtime"] == f"python{build.PYTHON_VERSION}"
        assert function["Architectures"] == ["x86_64"]
        assert function["Handler"] == handler
        assert function["Code"]["S3Key"].endswith("/api.zip")
    assert function_of(ci_template, "migrate")["Timeout"] == 300


def test_secrets_are_named_not_written(ci_template: dict[str, Any]) -> None:
    variables = function_of(ci_template, "api")["Environment"]["Variables"]
    assert "TOURISM_SECRET_KEY" not in variables
    assert variables["TOURISM_SECRET_KEY_SSM_PARAMETER"] == "/tourism/ci/secret-key"
    assert variables["TOURISM_DATABASE_PASSWORD_SSM_PARAMETER"] == "/tourism/ci/database-password"
    assert variables["TOURISM_DATABASE_URL"] == CI_PARAMS["databaseUrl"]  # no password in it
    assert variables["TOURISM_ENV"] == "production"
    assert variables["TOURISM_MEDIA_URL"] == "s3://tourism-media-ci/media"


def test_subnets_and_security_groups_are_lists(ci_template: dict[str, Any]) -> None:
    vpc = function_of(ci_template, "api")["VpcConfig"]
    assert _split(vpc["SubnetIds"]) == CI_PARAMS["subnetIds"].split(",")
    assert len(_split(vpc["SubnetIds"])) == 2
    assert _split(vpc["SecurityGroupIds"]) == [CI_PARAMS["securityGroupIds"]]


def test_iam_resources_derive_from_the_bucket_the_prefix_and_the_ssm_path(
        ci_template: dict[str, Any]) -> None:
    role = ci_template["Resources"]["IamRoleLambdaExecution"]["Properties"]
    statements = [s for policy in role["Policies"]
                  for s in policy["PolicyDocument"]["Statement"]]
    by_action = {tuple(s["Action"]): s for s in statements}
    objects = by_action[("s3:GetObject", "s3:PutObject", "s3:DeleteObject")]
    assert objects["Resource"] == "arn:aws:s3:::tourism-media-ci/media/*"
    listing = by_action[("s3:ListBucket",)]
    assert listing["Resource"] == "arn:aws:s3:::tourism-media-ci"
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["media/*"]
    parameters = json.dumps(by_action[("ssm:GetParameters",)]["Resource"])
    assert ":parameter/tourism/ci/*" in parameters
    assert not any(s.get("Resource") == "*" and s["Action"] != ["kms:Decrypt"]
                   for s in statements)


def test_the_edge_throttles_the_http_api(ci_template: dict[str, Any]) -> None:
    stage = ci_template["Resources"]["HttpApiStage"]["Properties"]
    assert stage["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 200,
                                             "ThrottlingRateLimit": 100}


def _cfn_lint(template: dict[str, Any], folder: Path) -> subprocess.CompletedProcess[str]:
    path = folder / "cloudformation-template-update-stack.json"
    path.write_text(json.dumps(template))
    # W3005: Serverless v3 writes a DependsOn on the HTTP API route that a Ref already implies.
    return subprocess.run([CFN_LINT, "--ignore-checks", "W3005", "--", str(path)],
                          capture_output=True, text=True, check=False)


def test_cfn_lint_passes_on_the_packaged_template(ci_template: dict[str, Any],
                                                  tmp_path: Path) -> None:
    result = _cfn_lint(ci_template, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_s3_gateway_endpoint_is_made_only_when_a_vpc_is_given(
        ci_template: dict[str, Any], tmp_path: Path) -> None:
    absent = ci_template["Parameters"]["S3EndpointVpcId"]
    assert absent["Default"] == ""  # no vpcId: a condition that is false, nothing to create
    assert ci_template["Resources"]["S3GatewayEndpoint"]["Condition"] == "CreateS3Endpoint"
    params = {**CI_PARAMS, "vpcId": "vpc-0123456789abcdef0",
              "routeTableIds": "rtb-0aaa1111bbbb2222c,rtb-0ddd3333eeee4444f"}
    template = serverless_package(params, tmp_path / "sls")
    assert template["Parameters"]["S3EndpointVpcId"]["Default"] == params["vpcId"]
    endpoint = template["Resources"]["S3GatewayEndpoint"]["Properties"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert endpoint["VpcId"] == {"Ref": "S3EndpointVpcId"}
    assert template["Parameters"]["S3EndpointRouteTableIds"]["Default"].split(",") == [
        "rtb-0aaa1111bbbb2222c", "rtb-0ddd3333eeee4444f"]
    assert json.dumps(endpoint["ServiceName"]) == json.dumps(
        {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]})
    resources = {s["Resource"] for s in endpoint["PolicyDocument"]["Statement"]}
    assert resources == {"arn:aws:s3:::tourism-media-ci/media/*",
                         "arn:aws:s3:::tourism-media-ci"}  # the media bucket only
    result = _cfn_lint(template, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_restores_a_snapshot_and_the_http_api_calls_its_published_version(
        ci_template: dict[str, Any]) -> None:
    resources = ci_template["Resources"]
    assert function_of(ci_template, "api")["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert "SnapStart" not in function_of(ci_template, "migrate")
    (alias,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    assert alias["FunctionName"] == {"Ref": "ApiLambdaFunction"}
    assert "Fn::GetAtt" in alias["FunctionVersion"]  # the version this deploy published
    (integration,) = [r["Properties"] for r in resources.values()
                      if r["Type"] == "AWS::ApiGatewayV2::Integration"]
    assert json.dumps(integration["IntegrationUri"]).endswith(f'"{alias["Name"]}"]]}}')


def _schedules_of(template: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The properties of the schedule rules whose target is the function `name`."""
    return [r["Properties"] for r in template["Resources"].values()
            if r["Type"] == "AWS::Events::Rule"
            and name in json.dumps(r["Properties"]["Targets"][0]["Arn"]).lower()]


def _statements_of(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The statements of a role's one inline policy."""
    (policy,) = template["Resources"][role]["Properties"]["Policies"]
    return list(policy["PolicyDocument"]["Statement"])


def test_the_report_runs_monthly_and_quarterly_and_only_puts_reports(
        ci_template: dict[str, Any]) -> None:
    report = function_of(ci_template, "report")
    assert report["Handler"] == "api.lambda_report.handler"
    assert report["Code"]["S3Key"].endswith("/api.zip")
    schedules = {r["ScheduleExpression"]: json.loads(r["Targets"][0]["Input"])
                 for r in _schedules_of(ci_template, "report")}
    # 17:30 UTC on the last day is 00:30 on the first, in Asia/Ho_Chi_Minh (UTC+7)
    assert schedules == {"cron(30 17 L * ? *)": {"kind": "month"},
                         "cron(30 17 L 3,6,9,12 ? *)": {"kind": "quarter"}}
    s3 = [s for s in _statements_of(ci_template, "ReportRole")
          if any(a.startswith("s3:") for a in s["Action"])]
    assert s3 == [{"Effect": "Allow", "Action": ["s3:PutObject"],
                   "Resource": "arn:aws:s3:::tourism-media-ci/media/reports/ioc/*"}]


def test_the_purge_runs_daily_and_touches_no_media(ci_template: dict[str, Any]) -> None:
    purge = function_of(ci_template, "purge")
    assert purge["Role"] == {"Fn::GetAtt": ["PurgeRole", "Arn"]}
    assert purge["VpcConfig"] == function_of(ci_template, "api")["VpcConfig"]
    # 19:00 UTC is 02:00 the next day in Asia/Ho_Chi_Minh (UTC+7)
    assert [r["ScheduleExpression"] for r in _schedules_of(ci_template, "purge")] == [
        "cron(0 19 * * ? *)"]
    role = ci_template["Resources"]["PurgeRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]
    statements = _statements_of(ci_template, "PurgeRole")
    assert [s["Action"] for s in statements] == [["ssm:GetParameters"], ["kms:Decrypt"]]
    assert ":parameter/tourism/ci/*" in json.dumps(statements[0]["Resource"])
    assert "kms:ViaService" in statements[1]["Condition"]["StringEquals"]
    assert not any(a.startswith("s3:") for s in statements for a in s["Action"])
