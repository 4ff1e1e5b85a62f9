"""Builds a realistic Bedrock Claude Chat (v0 data, v1 stack) deployment inside the emulator.

What a migration meets in the field, in miniature: the CloudFormation stack and its
outputs with CDK-style hashed keys, the single DynamoDB table holding bots (titles in
Japanese and English, empty, 300 characters, with control characters and emoji; every
knowledge shape including oddly typed attributes), aliases and conversations that must
be ignored, the bots' documents in S3 (one listed file missing), the VPC, subnets and
security group, the ECS cluster and embedding task definition with its awslogs
configuration, the log group, and an unrelated second stack.

Everything chosen here is deterministic given the arguments (resource ids the emulator
assigns, such as vpc-…, are not). Each bot's `expected` outcome says what a correct
migration run with the simulator's matching failures yields:
  "succeeded"  has knowledge, embeds fine
  "failed"     has knowledge, the embedding fails (pass these ids as the simulator's
               fail_bot_ids; the first one lists a document S3 does not have)
  "empty"      no knowledge at all: the real task would only write "No contents to embed."
The tool never writes to the table; neither does this seed after it has built it.
"""
import argparse
import dataclasses
import hashlib
import json
import random
import string
import sys

ALPHANUM = string.ascii_uppercase + string.digits
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE_TIME_MS = 1_700_000_000_000   # Nov 2023: v0 era
CONTAINER = "Container"
LOG_PREFIX = "embed-task"

SPECIAL_TITLES = [
    "社内規程Q&Aボット",
    "Customer support FAQ",
    "",
    ("長いタイトル" * 10 + "A very long bot title that keeps going " * 7)[:300],
    "Bad\x1b[31mTitle\x1b[0m\x07 with\r\ncontrol\tchars\x00\x7f",
    "🤖 Support bot 👩\u200d💻🇯🇵",
    "経費精算 / Expense policy",
    "ｶﾀｶﾅ半角とＦｕｌｌｗｉｄｔｈ",
    "e\u0301te\u0301 combining marks",
    "مرحبا RTL title",
]
JA_WORDS = ["人事", "総務", "営業", "開発", "製品", "マニュアル", "規程", "手順書", "問い合わせ", "研修",
            "議事録", "仕様書", "障害対応", "セキュリティ", "契約"]
EN_WORDS = ["Sales", "Engineering", "Onboarding", "Policy", "Handbook", "Runbook", "Release notes",
            "Pricing", "Legal", "Support", "Design docs", "Security", "Roadmap", "Glossary"]
FILE_NAMES = ["就業規則 2024.pdf", "handbook.pdf", "faq.txt", "price-list.xlsx", "design (v2).docx",
              "議事録_0415.md", "notes.csv", "spec#3.pdf", "manual+appendix.pdf", "readme.md"]
KNOWLEDGE_SHAPES = ["urls_only", "sitemap_only", "files_only", "mixed", "files_as_string",
                    "urls_as_string_set", "files_many"]
EMPTY_SHAPES = ["none", "missing", "partial_empty", "null"]


@dataclasses.dataclass
class Deployment:
    stack_name: str
    table: str
    cluster: str
    task_family: str
    container: str
    log_group: str
    log_prefix: str
    vpc: str
    private_subnets: list
    public_subnets: list
    security_group: str
    bucket: str
    region: str
    db_cluster: str           # the v1 Aurora cluster's identifier (first label of DbConfigHostname)
    db_cluster_arn: str
    outputs: dict
    bots: list
    aliases: list
    conversations: int
    image: str = ""
    route_tables: list = dataclasses.field(default_factory=list)
    log_region: str = None     # the task definition's awslogs-region

    def bot_ids(self, expected=None):
        """Bot ids, optionally only those with the given expected outcome."""
        return {b["bot_id"] for b in self.bots if expected is None or b["expected"] == expected}

    def bot_by_sk(self, sk):
        return next(b for b in self.bots if b["sk"] == sk)


class _Names:
    """CDK-like hashed names, stable for the same arguments."""

    def __init__(self, key):
        self.key = key

    def hex8(self, what):
        return hashlib.sha256(f"{self.key}|{what}".encode()).hexdigest()[:8].upper()

    def tail(self, what, n=12):
        digest = hashlib.sha256(f"{self.key}|tail|{what}".encode()).digest()
        return "".join(ALPHANUM[b % len(ALPHANUM)] for b in digest[:n])


def _ulid(rng, ms):
    t = "".join(CROCKFORD[(ms >> (5 * i)) & 31] for i in reversed(range(10)))
    return t + "".join(rng.choice(CROCKFORD) for _ in range(16))


def _user_id(rng):
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _S(v):
    return {"S": v}


def _N(v):
    return {"N": str(v)}


def _L(items):
    return {"L": [_S(x) for x in items]}


def _title(rng, index):
    if index < len(SPECIAL_TITLES):
        return SPECIAL_TITLES[index]
    if index % 2:
        return f"{rng.choice(JA_WORDS)}{rng.choice(JA_WORDS)}アシスタント {index}"
    return f"{rng.choice(EN_WORDS)} assistant {index}"


def _knowledge(rng, shape, bot_index):
    """(DynamoDB Knowledge attribute or None, filenames the bot refers to)."""
    urls = [f"https://example.com/docs/{bot_index}/page-{k}.html" for k in range(rng.randint(1, 3))]
    sitemaps = [f"https://example.com/{bot_index}/sitemap.xml"]
    files = rng.sample(FILE_NAMES, rng.randint(1, 2))
    if shape == "urls_only":
        return {"M": {"source_urls": _L(urls), "sitemap_urls": _L([]), "filenames": _L([])}}, []
    if shape == "sitemap_only":
        return {"M": {"source_urls": _L([]), "sitemap_urls": _L(sitemaps), "filenames": _L([])}}, []
    if shape in ("files_only", "files_missing"):
        return {"M": {"source_urls": _L([]), "sitemap_urls": _L([]), "filenames": _L(files)}}, files
    if shape == "files_many":
        files = rng.sample(FILE_NAMES, 4)
        return {"M": {"source_urls": _L([]), "sitemap_urls": _L([]), "filenames": _L(files)}}, files
    if shape == "mixed":
        return {"M": {"source_urls": _L(urls), "sitemap_urls": _L(sitemaps), "filenames": _L(files)}}, files
    if shape == "files_as_string":
        # Hand-edited items exist: a lone filename stored as a plain string.
        return {"M": {"source_urls": _L([]), "filenames": _S(files[0])}}, files[:1]
    if shape == "urls_as_string_set":
        return {"M": {"source_urls": {"SS": urls}, "sitemap_urls": _L([]), "filenames": _L([])}}, []
    if shape == "none":
        return {"M": {"source_urls": _L([]), "sitemap_urls": _L([]), "filenames": _L([])}}, []
    if shape == "partial_empty":
        return {"M": {"source_urls": _L([])}}, []
    if shape == "null":
        return {"NULL": True}, []
    if shape == "missing":
        return None, []
    raise ValueError(shape)


def _document_bytes(rng, name, size):
    head = b"%PDF-1.4\n" if name.endswith(".pdf") else f"# {name}\n".encode()
    return head + rng.randbytes(max(0, size - len(head)))


def _batch_write(ddb, table, items):
    for start in range(0, len(items), 25):
        pending = {table: [{"PutRequest": {"Item": it}} for it in items[start:start + 25]]}
        for _ in range(10):
            left = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not left:
                break
            pending = left
        else:
            raise RuntimeError("seed: DynamoDB kept items unprocessed")


def _plan_bots(rng, bots, failing, empty_bots):
    if failing < 0 or empty_bots < 0 or failing + empty_bots > bots:
        raise ValueError(f"seed: need failing ({failing}) + empty_bots ({empty_bots}) <= bots ({bots})")
    expected = ["failed"] * failing + ["empty"] * empty_bots + ["succeeded"] * (bots - failing - empty_bots)
    rng.shuffle(expected)
    shapes, k_index, e_index, first_failed = [], 0, 0, True
    for outcome in expected:
        if outcome == "empty":
            shapes.append(EMPTY_SHAPES[e_index % len(EMPTY_SHAPES)])
            e_index += 1
        elif outcome == "failed" and first_failed:
            shapes.append("files_missing")
            first_failed = False
        else:
            shapes.append(KNOWLEDGE_SHAPES[k_index % len(KNOWLEDGE_SHAPES)])
            k_index += 1
    return expected, shapes


def seed_network_egress(emu, dep, nat=True, s3_endpoint=False):
    """The stack's egress: an internet gateway, a NAT gateway in the first public subnet and
    one route table per private subnet with 0.0.0.0/0 through it (as the v1 stack's VPC has,
    with no VPC endpoints); optionally an S3 gateway endpoint on those route tables.
    Returns the private subnets' route table ids."""
    ec2 = emu.client("ec2")
    tables = []
    nat_id = None
    if nat:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=dep.vpc)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat_id = ec2.create_nat_gateway(SubnetId=dep.public_subnets[0],
                                        AllocationId=eip)["NatGateway"]["NatGatewayId"]
    for subnet in dep.private_subnets:
        rt = ec2.create_route_table(VpcId=dep.vpc)["RouteTable"]["RouteTableId"]
        if nat_id:
            ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
        tables.append(rt)
    if s3_endpoint:
        ec2.create_vpc_endpoint(VpcId=dep.vpc, ServiceName=f"com.amazonaws.{dep.region}.s3",
                                VpcEndpointType="Gateway", RouteTableIds=tables)
    dep.route_tables = tables
    return tables


def seed_image(emu, dep, image_bytes):
    """Puts the task definition's image into the emulator's ECR with imageSizeInBytes =
    image_bytes (moto reports the manifest's config size as the image size)."""
    registry_host, _, rest = dep.image.partition("/")
    repo, _, tag = rest.partition(":")
    ecr = emu.client("ecr")
    try:
        ecr.create_repository(repositoryName=repo)
    except ecr.exceptions.RepositoryAlreadyExistsException:
        pass
    manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "size": int(image_bytes), "digest": "sha256:" + hashlib.sha256(tag.encode()).hexdigest()},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": int(image_bytes), "digest": "sha256:" + hashlib.sha256(repo.encode()).hexdigest()}],
    }
    ecr.put_image(repositoryName=repo, imageManifest=json.dumps(manifest), imageTag=tag)
    try:
        got = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])["imageDetails"][0]
    except ecr.exceptions.ClientError as e:   # a test that denies ecr:DescribeImages
        if "AccessDenied" not in str(e):
            raise
        return
    assert got["imageSizeInBytes"] == int(image_bytes), got


def seed_deployment(emu, bots=24, failing=2, stack_name="BedrockChatStack", with_index=True,
                    conversations=200, empty_bots=3, suffix=None, legacy_bots=0,
                    image_bytes=None, nat=False, s3_endpoint=False, aurora_status="available",
                    release="v1.4", knowledge_base_bots=0, log_region=None, state_machine=None):
    """aurora_status: "available", or "stopped" (as the stack's rdbSchedules leave it).
    release: "v1.4" (v1.2.5+, what `git checkout v1` deploys: its task definition asks for
    100 GiB of ephemeral storage) or "v1.0" (v1.0.0 – v1.2.4: the Fargate default 20 GiB).
    Pair it with the simulator's matching contract.
    state_machine: the stack holds the Step Functions state machine through which v1.2.5+
    launches its tasks (AWS::StepFunctions::StateMachine); None: as the release has it.
    knowledge_base_bots: v1.2.5+ bots backed by a Bedrock Knowledge Base (a
    BedrockKnowledgeBase map, and sources): expected "knowledge_base", never launched."""
    if release not in ("v1.4", "v1.0"):
        raise ValueError(f"seed: release {release!r} is not v1.4 or v1.0")
    key = json.dumps([bots, failing, stack_name, with_index, conversations, empty_bots, suffix]
                     + ([legacy_bots] if legacy_bots else []))
    # Bots carry LastBotUsed from creation since v0.3.0; legacy_bots of them (those with
    # i % 9 == 4, in order) lack it, as bots made before then may: the sparse
    # LastBotUsedIndex does not hold them and only --scan-table finds them.
    legacy = set([i for i in range(bots) if i % 9 == 4][:legacy_bots])
    rng = random.Random(key)
    names = _Names(key)
    region = emu.region
    account = getattr(emu, "account_id", None) or "123456789012"
    ec2, ddb, ecs, logs, s3, cfn = (emu.client(s) for s in ("ec2", "dynamodb", "ecs", "logs", "s3",
                                                             "cloudformation"))
    if log_region and log_region != region:
        # the task definition's awslogs-region may be another region than the stack's
        logs = emu.client("logs", region=log_region)

    # Network: RunTask with awsvpc in moto needs DNS hostnames on the VPC and a security group.
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    azs = [f"{region}a", f"{region}c"]
    private = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=azs[i])
               ["Subnet"]["SubnetId"] for i in range(2)]
    public = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{10 + i}.0/24", AvailabilityZone=azs[i])
              ["Subnet"]["SubnetId"] for i in range(2)]
    sg = ec2.create_security_group(
        GroupName=f"{stack_name}-EmbeddingTaskSecurityGroup{names.hex8('sg')}-{names.tail('sg')}",
        Description="Automatically created Security Group for the embedding task",
        VpcId=vpc)["GroupId"]

    # DynamoDB: the v0 single table.
    table = f"{stack_name}-DatabaseConversationTable{names.hex8('table')}-{names.tail('table')}"
    attrs = [{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"},
             {"AttributeName": "PublicBotId", "AttributeType": "S"}]
    create = dict(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {"IndexName": "SKIndex", "KeySchema": [{"AttributeName": "SK", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": "PublicBotIdIndex", "KeySchema": [{"AttributeName": "PublicBotId", "KeyType": "HASH"}],
             "Projection": {"ProjectionType": "ALL"}},
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    if with_index:
        attrs.append({"AttributeName": "LastBotUsed", "AttributeType": "N"})
        create["LocalSecondaryIndexes"] = [
            {"IndexName": "LastBotUsedIndex",
             "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                           {"AttributeName": "LastBotUsed", "KeyType": "RANGE"}],
             "Projection": {"ProjectionType": "ALL"}}]
    create["AttributeDefinitions"] = attrs
    ddb.create_table(**create)

    # S3 (served without signature checking, see harness.py).
    bucket = f"{stack_name.lower()}-documentbucket{names.hex8('bucket').lower()}-{names.tail('bucket').lower()}"
    bucket = bucket[:63].rstrip("-")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})

    users = [_user_id(rng) for _ in range(max(1, min(6, (bots + 3) // 4)))]
    expected, shapes = _plan_bots(rng, bots, failing, empty_bots)
    items, bot_records = [], []
    for i in range(bots):
        user = users[i % len(users)]
        created = BASE_TIME_MS + i * 3_600_000 + rng.randint(0, 3_599_999)
        bot_id = _ulid(rng, created)
        sk = f"{user}#BOT#{bot_id}"
        shape = shapes[i]
        knowledge, files = _knowledge(rng, shape, i)
        title = _title(rng, i)
        item = {
            "PK": _S(user), "SK": _S(sk), "Title": _S(title),
            "Description": _S(f"説明 / description of bot {i}"),
            "Instruction": _S("You are a helpful assistant. 丁寧に答えてください。"),
            "CreateTime": _N(created), "IsPinned": {"BOOL": i % 5 == 0},
            "GenerationParams": {"M": {"max_tokens": _N(2000), "temperature": _N("0.6"),
                                       "top_k": _N(250), "top_p": _N("0.999")}},
            "SearchParams": {"M": {"max_results": _N(20)}},
            "DisplayRetrievedChunks": {"BOOL": True},
        }
        if i not in legacy:
            item["LastBotUsed"] = _N(created + rng.randint(0, 90) * 86_400_000)
        if knowledge is not None:
            item["Knowledge"] = knowledge
        # i % 11 == 3: no EmbeddingParams at all, as in bots created before the field existed.
        if i % 11 == 7:
            item["EmbeddingParams"] = {"M": {"chunk_size": _S("1000"), "chunk_overlap": _N(200)}}
        elif i % 11 != 3:
            item["EmbeddingParams"] = {"M": {"chunk_size": _N(1000), "chunk_overlap": _N(200),
                                             "enable_partition_pdf": {"BOOL": i % 3 == 0}}}
        # The state before the migration: mostly SUCCEEDED, some FAILED, some never set.
        if i % 8 == 5:
            sync_status = None
        elif i % 6 == 1:
            sync_status = "FAILED"
            item["SyncStatusReason"] = _S("Timeout while loading https://example.com/ (old run)")
        else:
            sync_status = "SUCCEEDED"
            item["SyncStatusReason"] = _S("" if knowledge is not None else "No contents to embed.")
        if sync_status:
            item["SyncStatus"] = _S(sync_status)
            item["LastExecId"] = _S("%032x" % rng.getrandbits(128))
        public_bot_id = None
        if i % 4 == 2:
            public_bot_id = bot_id
            item["PublicBotId"] = _S(public_bot_id)
            if i % 8 == 6:
                item["ApiPublishmentStackName"] = _S(f"ApiPublishmentStack{bot_id}")
        items.append(item)

        documents = {}
        for n, name in enumerate(files):
            if shape == "files_missing" and n == 0:
                documents[name] = None   # listed in the item, absent from S3
                continue
            size = rng.choice([2_048, 11_337, 48_000, 150_001])
            s3.put_object(Bucket=bucket, Key=f"{user}/{bot_id}/documents/{name}",
                          Body=_document_bytes(rng, name, size))
            documents[name] = size
        bot_records.append({
            "pk": user, "sk": sk, "bot_id": bot_id, "user_id": user, "title": title,
            "knowledge": shape, "expected": expected[i], "documents": documents,
            "last_bot_used": i not in legacy,
            "sync_status": sync_status, "public_bot_id": public_bot_id,
        })

    # Aliases: other users pinning someone's public bot. Their SK contains "#BOT_ALIAS#".
    public_bots = [b for b in bot_records if b["public_bot_id"]] or bot_records
    aliases = []
    for j in range(max(1, bots // 6) if bots else 0):
        original = public_bots[j % len(public_bots)]
        owner = next((u for u in users if u != original["user_id"]), original["user_id"])
        sk = f"{owner}#BOT_ALIAS#{original['bot_id']}"
        if any(a["sk"] == sk for a in aliases):
            continue
        items.append({"PK": _S(owner), "SK": _S(sk), "Title": _S(original["title"]),
                      "Description": _S("alias"), "OriginalBotId": _S(original["bot_id"]),
                      "CreateTime": _N(BASE_TIME_MS + j), "LastBotUsed": _N(BASE_TIME_MS + j),
                      "IsPinned": {"BOOL": True}, "SyncStatus": _S("SUCCEEDED"),
                      "HasKnowledge": {"BOOL": True}})
        aliases.append({"pk": owner, "sk": sk, "original_bot_id": original["bot_id"]})

    # Bedrock Knowledge Base bots (v1.2.5+): sources like any bot, but their vectors live in
    # a Knowledge Base. Drawn from their own random state so the other bots stay as they were.
    kb_rng = random.Random(key + "|knowledge-base")
    for k in range(knowledge_base_bots):
        user = users[k % len(users)]
        created = BASE_TIME_MS + (bots + k) * 3_600_000
        bot_id = _ulid(kb_rng, created)
        sk = f"{user}#BOT#{bot_id}"
        title = f"ナレッジベース KB bot {k}"
        items.append({
            "PK": _S(user), "SK": _S(sk), "Title": _S(title), "Description": _S("Knowledge Base bot"),
            "Instruction": _S(""), "CreateTime": _N(created), "LastBotUsed": _N(created),
            "IsPinned": {"BOOL": False},
            "Knowledge": {"M": {"source_urls": _L([f"https://example.com/kb/{k}.html"]),
                                "sitemap_urls": _L([]), "filenames": _L([])}},
            "BedrockKnowledgeBase": {"M": {"type": _S("dedicated"), "embeddings_model": _S("titan_v2"),
                                           "knowledge_base_id": {"NULL": True},
                                           "data_source_ids": {"NULL": True}}},
            "SyncStatus": _S("SUCCEEDED"), "SyncStatusReason": _S(""),
        })
        bot_records.append({
            "pk": user, "sk": sk, "bot_id": bot_id, "user_id": user, "title": title,
            "knowledge": "knowledge_base", "expected": "knowledge_base", "documents": {},
            "last_bot_used": True, "sync_status": "SUCCEEDED", "public_bot_id": None,
        })

    # Conversations: large items the tool must skip without choking on them.
    for c in range(conversations):
        user = users[c % len(users)]
        created = BASE_TIME_MS + c * 60_000
        conv_id = _ulid(rng, created)
        messages = {f"m{k}": {"role": "user" if k % 2 else "assistant",
                              "content": [{"content_type": "text",
                                           "body": ("こんにちは、これは会話の本文です。" if k % 3 else
                                                    "Hello, this is a conversation message. ") * rng.randint(5, 40)}],
                              "model": "claude-v3-sonnet", "children": [f"m{k + 1}"], "parent": f"m{k - 1}"}
                    for k in range(rng.randint(2, 12))}
        conv = {"PK": _S(user), "SK": _S(f"{user}#CONV#{conv_id}"), "Title": _S(f"会話 {c}"),
                "CreateTime": _N(created), "TotalPrice": _N("0.0123"), "LastMessageId": _S("m1"),
                "MessageMap": _S(json.dumps(messages, ensure_ascii=False))}
        if bot_records and c % 3 == 0:
            conv["BotId"] = _S(bot_records[c % len(bot_records)]["bot_id"])   # a trap for sloppy filters
        items.append(conv)
    _batch_write(ddb, table, items)

    # ECS: cluster, task definition (container-level cpu/memory: moto needs them), logs.
    cluster = f"{stack_name}-EmbeddingCluster{names.hex8('cluster')}-{names.tail('cluster')}"
    ecs.create_cluster(clusterName=cluster)
    log_group = f"{stack_name}-EmbeddingTaskLogGroup{names.hex8('logs')}-{names.tail('logs')}"
    logs.create_log_group(logGroupName=log_group)
    logs.put_retention_policy(logGroupName=log_group, retentionInDays=7)
    task_family = f"{stack_name}EmbeddingTaskDefinition{names.hex8('taskdef')}"
    role = f"arn:aws:iam::{account}:role/{stack_name}-EmbeddingTaskDefinition"
    image = (f"{account}.dkr.ecr.{region}.amazonaws.com/cdk-hnb659fds-container-assets-"
             f"{account}-{region}:{hashlib.sha256(key.encode()).hexdigest()}")
    release_specific = {"ephemeralStorage": {"sizeInGiB": 100}} if release == "v1.4" else {}
    ecs.register_task_definition(
        family=task_family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="2048", memory="4096", **release_specific,
        runtimePlatform={"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        executionRoleArn=f"{role}ExecutionRole{names.hex8('exec')}-{names.tail('exec')}",
        taskRoleArn=f"{role}TaskRole{names.hex8('task')}-{names.tail('task')}",
        containerDefinitions=[{
            "name": CONTAINER, "essential": True, "cpu": 2048, "memory": 4096,
            "image": image,
            "environment": [{"name": "ACCOUNT", "value": account}, {"name": "REGION", "value": region},
                            {"name": "TABLE_NAME", "value": table},
                            {"name": "DOCUMENT_BUCKET", "value": bucket}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group, "awslogs-stream-prefix": LOG_PREFIX,
                "awslogs-region": log_region or region}},
        }])

    # The v1 vector store: an Aurora PostgreSQL Serverless v2 cluster in the emulator's RDS,
    # named like CDK names it; DbConfigHostname is its endpoint, whose first label is the
    # cluster identifier. Its outputs mark the stack as v1.
    rds = emu.client("rds")
    db_id = f"{stack_name.lower()}-vectorstorecluster{names.hex8('db').lower()}-{names.tail('db').lower()}"
    db_cluster = rds.create_db_cluster(
        DBClusterIdentifier=db_id, Engine="aurora-postgresql", EngineVersion="15.3",
        MasterUsername="postgres", MasterUserPassword=names.tail("password", 30),
        DatabaseName="postgres", Port=5432, StorageEncrypted=True, EnableHttpEndpoint=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 5.0})["DBCluster"]
    if aurora_status == "stopped":
        rds.stop_db_cluster(DBClusterIdentifier=db_id)
    elif aurora_status != "available":
        raise ValueError(f"seed: aurora_status {aurora_status!r} is not available or stopped")
    db_host = db_cluster["Endpoint"]
    db_secret = emu.client("secretsmanager").create_secret(
        Name=f"VectorStoreClusterSecret{names.hex8('secret')}-{names.tail('secret')}",
        SecretString=json.dumps({"engine": "postgres", "host": db_host, "port": 5432,
                                 "username": "postgres", "password": names.tail("password", 30),
                                 "dbname": "postgres"}))["ARN"]

    # CloudFormation: literal outputs are all DescribeStacks needs.
    outputs = {
        f"DatabaseConversationTableName{names.hex8('out-table')}": table,
        f"EmbeddingClusterName{names.hex8('out-cluster')}": cluster,
        f"EmbeddingTaskDefinitionName{names.hex8('out-taskdef')}": task_family,
        f"EmbeddingTaskSecurityGroupId{names.hex8('out-sg')}": sg,
        "PrivateSubnetId0": private[0], "PrivateSubnetId1": private[1],
        "PublicSubnetId0": public[0], "PublicSubnetId1": public[1],
        "AvailabilityZone0": azs[0], "AvailabilityZone1": azs[1],
        "VpcId": vpc, "DocumentBucketName": bucket, "ConversationTableName": table,
        "DbConfigSecretArn": db_secret, "DbConfigHostname": db_host, "DbConfigPort": "5432",
        "FrontendURL": f"https://d{names.tail('cf', 12).lower()}.cloudfront.net",
        f"BackendApiBackendApiUrl{names.hex8('out-api')}":
            f"https://{names.tail('api', 10).lower()}.execute-api.{region}.amazonaws.com",
    }
    if state_machine is None:
        state_machine = release == "v1.4"
    extra = {}
    if state_machine:
        definition = {"StartAt": "RunEmbeddingTask", "States": {"RunEmbeddingTask": {"Type": "Pass", "End": True}}}
        extra[f"EmbeddingStateMachine{names.hex8('sfn').upper()}"] = {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"RoleArn": f"arn:aws:iam::{account}:role/{stack_name}-EmbeddingStateMachineRole",
                           "DefinitionString": json.dumps(definition)}}
    _create_stack(cfn, stack_name, outputs, extra)
    unrelated = "CDKToolkit" if suffix is None else f"CDKToolkit{suffix}"
    existing = {s["StackName"] for s in cfn.list_stacks()["StackSummaries"]
                if s["StackStatus"] != "DELETE_COMPLETE"}
    if unrelated not in existing:
        _create_stack(cfn, unrelated, {
            "BucketName": f"cdk-hnb659fds-assets-{account}-{region}", "BootstrapVersion": "21",
            "DatabaseConversationTableNameLookalike": "not-this-one"})

    dep = Deployment(stack_name=stack_name, table=table, cluster=cluster, task_family=task_family,
                     container=CONTAINER, log_group=log_group, log_prefix=LOG_PREFIX, vpc=vpc,
                     private_subnets=private, public_subnets=public, security_group=sg,
                     bucket=bucket, region=region, db_cluster=db_id,
                     db_cluster_arn=db_cluster["DBClusterArn"], outputs=outputs, bots=bot_records,
                     aliases=aliases, conversations=conversations, image=image,
                     log_region=log_region or region)
    # Optional, and drawn from no random state, so existing seeds stay as they were.
    if nat or s3_endpoint:
        seed_network_egress(emu, dep, nat=nat, s3_endpoint=s3_endpoint)
    if image_bytes:
        seed_image(emu, dep, image_bytes)
    return dep


def _create_stack(cfn, name, outputs, resources=None):
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}, **(resources or {})},
        "Outputs": {k: {"Value": v} for k, v in outputs.items()},
    }
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))


def main(argv=None):
    """Seed an already running emulator by hand (keys of its IAM user required)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--s3-endpoint", help="defaults to --endpoint")
    ap.add_argument("--region", default="ap-northeast-1")
    ap.add_argument("--access-key", default="testing")
    ap.add_argument("--secret-key", default="testing")
    ap.add_argument("--bots", type=int, default=24)
    ap.add_argument("--failing", type=int, default=2)
    ap.add_argument("--empty-bots", type=int, default=3)
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--stack-name", default="BedrockChatStack")
    args = ap.parse_args(argv)

    import boto3
    from botocore.config import Config

    class _Target:
        region = args.region
        account_id = None

        @staticmethod
        def client(service):
            session = boto3.session.Session(aws_access_key_id=args.access_key,
                                            aws_secret_access_key=args.secret_key,
                                            region_name=args.region)
            if service == "s3":
                return session.client("s3", endpoint_url=args.s3_endpoint or args.endpoint,
                                      config=Config(s3={"addressing_style": "path"}))
            return session.client(service, endpoint_url=args.endpoint)

    dep = seed_deployment(_Target, bots=args.bots, failing=args.failing, empty_bots=args.empty_bots,
                          conversations=args.conversations, stack_name=args.stack_name)
    json.dump(dataclasses.asdict(dep), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
