/* The paste parser: every format an operator may have at hand gives the same resolved
 * set; broken input gives the line and what was expected, and never a partial result.
 * The fixtures are the same texts as the fuzz seeds in tests/fuzz/corpus/paste/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/discover/stack_outputs.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define TABLE "BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K"
#define CLUSTER "BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7"
#define TASKDEF "BedrockChatStackEmbeddingTaskDefinition1F2E3D4C"
#define SG "sg-0a1b2c3d4e5f60718"
#define SUBNET0 "subnet-0aa11bb22cc33dd44"
#define SUBNET1 "subnet-0ee55ff66aa77bb88"
#define BUCKET "bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d"

static const char FX_CONSOLE_EN_CRLF_TXT[] =
    "\xef""\xbb""\xbf""Key\tValue\tDescription\tExport name\r\n"
    "DatabaseConversationTableNameC2A8A4C2\tBedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\t-\t-\r\n"
    "ConversationTableName\tBedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\t-\tBedrockClaudeChatConversationTableName\r\n"
    "EmbeddingClusterName8D4B9D3A\tBedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\t-\t-\r\n"
    "EmbeddingTaskDefinitionName5B2F0C6E\tBedrockChatStackEmbeddingTaskDefinition1F2E3D4C\t-\t-\r\n"
    "EmbeddingTaskSecurityGroupId1A2B3C4D\tsg-0a1b2c3d4e5f60718\t-\t-\r\n"
    "PrivateSubnetId0\tsubnet-0aa11bb22cc33dd44\t-\t-\r\n"
    "PrivateSubnetId1\tsubnet-0ee55ff66aa77bb88\t-\t-\r\n"
    "PublicSubnetId0\tsubnet-0123456789abcdef0\t-\t-\r\n"
    "PublicSubnetId1\tsubnet-0fedcba9876543210\t-\t-\r\n"
    "VpcId\tvpc-0abc1234def567890\t-\t-\r\n"
    "DocumentBucketName\tbedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\t-\t-\r\n"
    "DbConfigSecretArn\tarn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf\t-\t-\r\n"
    "DbConfigHostname\tbedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com\t-\t-\r\n"
    "FrontendURL\thttps://d1234abcd5678.cloudfront.net\t-\t-\r\n";

static const char FX_CONSOLE_JA_SPACES_TXT[] =
    "\xe5""\x87""\xba""\xe5""\x8a""\x9b"" (14)\n"
    "\xe3""\x82""\xad""\xe3""\x83""\xbc""  \xe5""\x80""\xa4""  \xe8""\xaa""\xac""\xe6""\x98""\x8e""  \xe3""\x82""\xa8""\xe3""\x82""\xaf""\xe3""\x82""\xb9""\xe3""\x83""\x9d""\xe3""\x83""\xbc""\xe3""\x83""\x88""\xe5""\x90""\x8d""\n"
    "DatabaseConversationTableNameC2A8A4C2    BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K    -    -\n"
    "ConversationTableName    BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K    -    BedrockClaudeChatConversationTableName\n"
    "EmbeddingClusterName8D4B9D3A    BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7    -    -\n"
    "EmbeddingTaskDefinitionName5B2F0C6E    BedrockChatStackEmbeddingTaskDefinition1F2E3D4C    -    -\n"
    "EmbeddingTaskSecurityGroupId1A2B3C4D    sg-0a1b2c3d4e5f60718    -    -\n"
    "PrivateSubnetId0    subnet-0aa11bb22cc33dd44    -    -\n"
    "PrivateSubnetId1    subnet-0ee55ff66aa77bb88    -    -\n"
    "PublicSubnetId0    subnet-0123456789abcdef0    -    -\n"
    "PublicSubnetId1    subnet-0fedcba9876543210    -    -\n"
    "VpcId    vpc-0abc1234def567890    -    -\n"
    "DocumentBucketName    bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d    -    -\n"
    "DbConfigSecretArn    arn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf    -    -\n"
    "DbConfigHostname    bedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com    -    -\n"
    "FrontendURL    https://d1234abcd5678.cloudfront.net    -    -\n";

static const char FX_CONSOLE_WRAPPED_TXT[] =
    "DatabaseConversationTableNameC2A8A4C2\tBedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\n"
    "ConversationTableName\tBedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\n"
    "EmbeddingTaskDefinitionName5B2F0C6E\tBedrockChatStackEmbeddingTaskDefinition1F2E3D4C\n"
    "EmbeddingClusterName8D4B9D3A\tBedrockChatStack-EmbeddingCluster\n"
    "B1E1D0C1-Rk4Zq9Wp2Lm7\n"
    "EmbeddingTaskSecurityGroupId1A2B3C4D\tsg-0a1b2c3d4e5f60718\n"
    "PrivateSubnetId0\tsubnet-0aa11bb22cc33dd44\n"
    "PrivateSubnetId1\tsubnet-0ee55ff66aa77bb88\n"
    "PublicSubnetId0\tsubnet-0123456789abcdef0\n"
    "PublicSubnetId1\tsubnet-0fedcba9876543210\n"
    "VpcId\tvpc-0abc1234def567890\n"
    "DocumentBucketName\tbedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\n"
    "DbConfigSecretArn\tarn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf\n"
    "DbConfigHostname\tbedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com\n"
    "FrontendURL\thttps://d1234abcd5678.cloudfront.net\n";

static const char FX_DESCRIBE_STACKS_JSON[] =
    "{\n"
    "    \"Stacks\": [\n"
    "        {\n"
    "            \"StackId\": \"arn:aws:cloudformation:us-east-1:123456789012:stack/BedrockChatStack/0a1b2c3d-1111-2222-3333-444455556666\",\n"
    "            \"StackName\": \"BedrockChatStack\",\n"
    "            \"StackStatus\": \"UPDATE_COMPLETE\",\n"
    "            \"Outputs\": [\n"
    "                {\n"
    "                    \"OutputKey\": \"DatabaseConversationTableNameC2A8A4C2\",\n"
    "                    \"OutputValue\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"ConversationTableName\",\n"
    "                    \"OutputValue\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\",\n"
    "                    \"ExportName\": \"BedrockClaudeChatConversationTableName\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"EmbeddingClusterName8D4B9D3A\",\n"
    "                    \"OutputValue\": \"BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"EmbeddingTaskDefinitionName5B2F0C6E\",\n"
    "                    \"OutputValue\": \"BedrockChatStackEmbeddingTaskDefinition1F2E3D4C\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"EmbeddingTaskSecurityGroupId1A2B3C4D\",\n"
    "                    \"OutputValue\": \"sg-0a1b2c3d4e5f60718\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"PrivateSubnetId0\",\n"
    "                    \"OutputValue\": \"subnet-0aa11bb22cc33dd44\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"PrivateSubnetId1\",\n"
    "                    \"OutputValue\": \"subnet-0ee55ff66aa77bb88\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"PublicSubnetId0\",\n"
    "                    \"OutputValue\": \"subnet-0123456789abcdef0\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"PublicSubnetId1\",\n"
    "                    \"OutputValue\": \"subnet-0fedcba9876543210\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"VpcId\",\n"
    "                    \"OutputValue\": \"vpc-0abc1234def567890\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"DocumentBucketName\",\n"
    "                    \"OutputValue\": \"bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"DbConfigSecretArn\",\n"
    "                    \"OutputValue\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"DbConfigHostname\",\n"
    "                    \"OutputValue\": \"bedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com\"\n"
    "                },\n"
    "                {\n"
    "                    \"OutputKey\": \"FrontendURL\",\n"
    "                    \"OutputValue\": \"https://d1234abcd5678.cloudfront.net\"\n"
    "                }\n"
    "            ]\n"
    "        }\n"
    "    ]\n"
    "}\n";

static const char FX_OUTPUTS_ARRAY_JSON[] =
    "[\n"
    "  {\n"
    "    \"OutputKey\": \"DatabaseConversationTableNameC2A8A4C2\",\n"
    "    \"OutputValue\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"ConversationTableName\",\n"
    "    \"OutputValue\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\",\n"
    "    \"ExportName\": \"BedrockClaudeChatConversationTableName\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"EmbeddingClusterName8D4B9D3A\",\n"
    "    \"OutputValue\": \"BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"EmbeddingTaskDefinitionName5B2F0C6E\",\n"
    "    \"OutputValue\": \"BedrockChatStackEmbeddingTaskDefinition1F2E3D4C\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"EmbeddingTaskSecurityGroupId1A2B3C4D\",\n"
    "    \"OutputValue\": \"sg-0a1b2c3d4e5f60718\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"PrivateSubnetId0\",\n"
    "    \"OutputValue\": \"subnet-0aa11bb22cc33dd44\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"PrivateSubnetId1\",\n"
    "    \"OutputValue\": \"subnet-0ee55ff66aa77bb88\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"PublicSubnetId0\",\n"
    "    \"OutputValue\": \"subnet-0123456789abcdef0\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"PublicSubnetId1\",\n"
    "    \"OutputValue\": \"subnet-0fedcba9876543210\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"VpcId\",\n"
    "    \"OutputValue\": \"vpc-0abc1234def567890\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"DocumentBucketName\",\n"
    "    \"OutputValue\": \"bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"DbConfigSecretArn\",\n"
    "    \"OutputValue\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"DbConfigHostname\",\n"
    "    \"OutputValue\": \"bedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com\"\n"
    "  },\n"
    "  {\n"
    "    \"OutputKey\": \"FrontendURL\",\n"
    "    \"OutputValue\": \"https://d1234abcd5678.cloudfront.net\"\n"
    "  }\n"
    "]";

static const char FX_CDK_OUTPUTS_JSON[] =
    "{\n"
    "  \"BedrockChatStack\": {\n"
    "    \"DatabaseConversationTableNameC2A8A4C2\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\",\n"
    "    \"ConversationTableName\": \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\",\n"
    "    \"EmbeddingClusterName8D4B9D3A\": \"BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\",\n"
    "    \"EmbeddingTaskDefinitionName5B2F0C6E\": \"BedrockChatStackEmbeddingTaskDefinition1F2E3D4C\",\n"
    "    \"EmbeddingTaskSecurityGroupId1A2B3C4D\": \"sg-0a1b2c3d4e5f60718\",\n"
    "    \"PrivateSubnetId0\": \"subnet-0aa11bb22cc33dd44\",\n"
    "    \"PrivateSubnetId1\": \"subnet-0ee55ff66aa77bb88\",\n"
    "    \"PublicSubnetId0\": \"subnet-0123456789abcdef0\",\n"
    "    \"PublicSubnetId1\": \"subnet-0fedcba9876543210\",\n"
    "    \"VpcId\": \"vpc-0abc1234def567890\",\n"
    "    \"DocumentBucketName\": \"bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\",\n"
    "    \"DbConfigSecretArn\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf\",\n"
    "    \"DbConfigHostname\": \"bedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com\",\n"
    "    \"FrontendURL\": \"https://d1234abcd5678.cloudfront.net\"\n"
    "  }\n"
    "}";

static const char FX_CLI_TEXT_TXT[] =
    "STACKS\t2026-11-20T10:00:00.000Z\tFalse\tFalse\tarn:aws:cloudformation:us-east-1:123456789012:stack/BedrockChatStack/0a1b2c3d-1111-2222-3333-444455556666\tBedrockChatStack\tUPDATE_COMPLETE\n"
    "CAPABILITIES\tCAPABILITY_IAM\n"
    "OUTPUTS\tNone\tNone\tDatabaseConversationTableNameC2A8A4C2\tBedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\n"
    "OUTPUTS\tNone\tBedrockClaudeChatConversationTableName\tConversationTableName\tBedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\n"
    "OUTPUTS\tNone\tNone\tEmbeddingClusterName8D4B9D3A\tBedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\n"
    "OUTPUTS\tNone\tNone\tEmbeddingTaskDefinitionName5B2F0C6E\tBedrockChatStackEmbeddingTaskDefinition1F2E3D4C\n"
    "OUTPUTS\tNone\tNone\tEmbeddingTaskSecurityGroupId1A2B3C4D\tsg-0a1b2c3d4e5f60718\n"
    "OUTPUTS\tNone\tNone\tPrivateSubnetId0\tsubnet-0aa11bb22cc33dd44\n"
    "OUTPUTS\tNone\tNone\tPrivateSubnetId1\tsubnet-0ee55ff66aa77bb88\n"
    "OUTPUTS\tNone\tNone\tPublicSubnetId0\tsubnet-0123456789abcdef0\n"
    "OUTPUTS\tNone\tNone\tPublicSubnetId1\tsubnet-0fedcba9876543210\n"
    "OUTPUTS\tNone\tNone\tVpcId\tvpc-0abc1234def567890\n"
    "OUTPUTS\tNone\tNone\tDocumentBucketName\tbedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\n"
    "OUTPUTS\tNone\tNone\tDbConfigSecretArn\tarn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf\n"
    "OUTPUTS\tNone\tNone\tDbConfigHostname\tbedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com\n"
    "OUTPUTS\tNone\tNone\tFrontendURL\thttps://d1234abcd5678.cloudfront.net\n"
    "TAGS\tenv\tprod\n";

static const char FX_CLI_TABLE_TXT[] =
    "------------------------------------------------------------------------------------------------------------------------------------\n"
    "|                                                          DescribeStacks                                                          |\n"
    "+----------------------------------------------------------------------------------------------------------------------------------+\n"
    "||                                                             Stacks                                                             ||\n"
    "|+--------------------------------------------------------------------------------------------------------------------------------+|\n"
    "|||                                                           Outputs                                                            |||\n"
    "||+---------------------------------------+--------------------------------------------------------------------------------------+||\n"
    "|||                OutputKey                |                                      OutputValue                                       |||\n"
    "||+---------------------------------------+--------------------------------------------------------------------------------------+||\n"
    "|||  DatabaseConversationTableNameC2A8A4C2  |  BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K                       |||\n"
    "|||  ConversationTableName                  |  BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K                       |||\n"
    "|||  EmbeddingClusterName8D4B9D3A           |  BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7                                |||\n"
    "|||  EmbeddingTaskDefinitionName5B2F0C6E    |  BedrockChatStackEmbeddingTaskDefinition1F2E3D4C                                       |||\n"
    "|||  EmbeddingTaskSecurityGroupId1A2B3C4D   |  sg-0a1b2c3d4e5f60718                                                                  |||\n"
    "|||  PrivateSubnetId0                       |  subnet-0aa11bb22cc33dd44                                                              |||\n"
    "|||  PrivateSubnetId1                       |  subnet-0ee55ff66aa77bb88                                                              |||\n"
    "|||  PublicSubnetId0                        |  subnet-0123456789abcdef0                                                              |||\n"
    "|||  PublicSubnetId1                        |  subnet-0fedcba9876543210                                                              |||\n"
    "|||  VpcId                                  |  vpc-0abc1234def567890                                                                 |||\n"
    "|||  DocumentBucketName                     |  bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d                                  |||\n"
    "|||  DbConfigSecretArn                      |  arn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf  |||\n"
    "|||  DbConfigHostname                       |  bedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com        |||\n"
    "|||  FrontendURL                            |  https://d1234abcd5678.cloudfront.net                                                  |||\n"
    "||+---------------------------------------+--------------------------------------------------------------------------------------+||\n";

static const char FX_BOX_TABLE_TXT[] =
    "\xe2""\x94""\x8c""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\xac""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x90""\n"
    "\xe2""\x94""\x82"" Key                                   \xe2""\x94""\x82"" Value                                                                                \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x9c""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\xbc""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\xa4""\n"
    "\xe2""\x94""\x82"" DatabaseConversationTableNameC2A8A4C2 \xe2""\x94""\x82"" BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K                      \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" ConversationTableName                 \xe2""\x94""\x82"" BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K                      \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" EmbeddingClusterName8D4B9D3A          \xe2""\x94""\x82"" BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7                               \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" EmbeddingTaskDefinitionName5B2F0C6E   \xe2""\x94""\x82"" BedrockChatStackEmbeddingTaskDefinition1F2E3D4C                                      \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" EmbeddingTaskSecurityGroupId1A2B3C4D  \xe2""\x94""\x82"" sg-0a1b2c3d4e5f60718                                                                 \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" PrivateSubnetId0                      \xe2""\x94""\x82"" subnet-0aa11bb22cc33dd44                                                             \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" PrivateSubnetId1                      \xe2""\x94""\x82"" subnet-0ee55ff66aa77bb88                                                             \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" PublicSubnetId0                       \xe2""\x94""\x82"" subnet-0123456789abcdef0                                                             \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" PublicSubnetId1                       \xe2""\x94""\x82"" subnet-0fedcba9876543210                                                             \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" VpcId                                 \xe2""\x94""\x82"" vpc-0abc1234def567890                                                                \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" DocumentBucketName                    \xe2""\x94""\x82"" bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d                                 \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" DbConfigSecretArn                     \xe2""\x94""\x82"" arn:aws:secretsmanager:us-east-1:123456789012:secret:VectorStoreClusterSecret-AbCdEf \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" DbConfigHostname                      \xe2""\x94""\x82"" bedrockchatstack-vectorstorecluster.cluster-abc123.us-east-1.rds.amazonaws.com       \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x82"" FrontendURL                           \xe2""\x94""\x82"" https://d1234abcd5678.cloudfront.net                                                 \xe2""\x94""\x82""\n"
    "\xe2""\x94""\x94""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\xb4""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x80""\xe2""\x94""\x98""\n";

static const char FX_ENV_EXPORTS_SH[] =
    "# exported from the stack\n"
    "export TABLE_NAME='BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K'\n"
    "export CLUSTER_NAME=\"BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\"\n"
    "export TASK_DEFINITION_NAME=BedrockChatStackEmbeddingTaskDefinition1F2E3D4C\n"
    "export SECURITY_GROUP_ID=sg-0a1b2c3d4e5f60718\n"
    "export SUBNET_ID=\"subnet-0aa11bb22cc33dd44,subnet-0ee55ff66aa77bb88\"\n"
    "DOCUMENT_BUCKET=bedrockchatstack-documentbucketae41e5a9-1k2j3h4g5f6d\n";

static const char FX_GUIDE_PYTHON_PY[] =
    "# AWS \xe7""\xae""\xa1""\xe7""\x90""\x86""\xe3""\x82""\xb3""\xe3""\x83""\xb3""\xe3""\x82""\xbd""\xe3""\x83""\xbc""\xe3""\x83""\xab""\xe3""\x81""\xa7"" CloudFormation \xe3""\x82""\xb9""\xe3""\x82""\xbf""\xe3""\x83""\x83""\xe3""\x82""\xaf""\xe3""\x82""\x92""\xe9""\x96""\x8b""\xe3""\x81""\x8d""\xe3""\x80""\x81""Outputs \xe3""\x82""\xbf""\xe3""\x83""\x96""\xe3""\x81""\x8b""\xe3""\x82""\x89""\xe5""\x80""\xa4""\xe3""\x82""\x92""\xe3""\x82""\xb3""\xe3""\x83""\x94""\xe3""\x83""\xbc""\xe3""\x81""\x97""\xe3""\x81""\xbe""\xe3""\x81""\x99""\xe3""\x80""\x82""\n"
    "# \xe3""\x82""\xad""\xe3""\x83""\xbc"": DatabaseConversationTableNameXXXX\n"
    "TABLE_NAME = \"BedrockChatStack-DatabaseConversationTable03F3FD3A-1N2E5Y4WWS7K\"\n"
    "# \xe3""\x82""\xad""\xe3""\x83""\xbc"": EmbeddingClusterNameXXX\n"
    "CLUSTER_NAME = \"BedrockChatStack-EmbeddingClusterB1E1D0C1-Rk4Zq9Wp2Lm7\"\n"
    "# \xe3""\x82""\xad""\xe3""\x83""\xbc"": EmbeddingTaskDefinitionNameXXX\n"
    "TASK_DEFINITION_NAME = \"BedrockChatStackEmbeddingTaskDefinition1F2E3D4C\"\n"
    "CONTAINER_NAME = \"Container\"  # \xe5""\xa4""\x89""\xe6""\x9b""\xb4""\xe4""\xb8""\x8d""\xe8""\xa6""\x81""\n"
    "# \xe3""\x82""\xad""\xe3""\x83""\xbc"": PrivateSubnetId0\n"
    "SUBNET_ID = \"subnet-0aa11bb22cc33dd44\"\n"
    "# \xe3""\x82""\xad""\xe3""\x83""\xbc"": EmbeddingTaskSecurityGroupIdXXX\n"
    "SECURITY_GROUP_ID = \"sg-0a1b2c3d4e5f60718\"  # BedrockChatStack-EmbeddingTaskSecurityGroupXXXXX\n";

/* Parses text and checks the values every full stack paste must give. */
static void s_expect_full(const char *text, size_t len, enum outputs_paste_format want_fmt, bool both_subnets)
{
    struct stack_outputs o;
    enum outputs_paste_format fmt;
    char *error = NULL;
    int rc = outputs_paste_parse(text, len, &o, &fmt, &error);
    if (rc != 0)
        fail_msg("parse failed: %s", error);
    assert_null(error);
    assert_int_equal(fmt, want_fmt);
    assert_string_equal(o.table, TABLE);
    assert_string_equal(o.cluster, CLUSTER);
    assert_string_equal(o.task_definition, TASKDEF);
    assert_string_equal(o.security_group, SG);
    assert_true(o.nsubnets >= 1);
    assert_string_equal(o.subnets[0], SUBNET0);
    if (both_subnets) {
        assert_int_equal(o.nsubnets, 2);
        assert_string_equal(o.subnets[1], SUBNET1);
    }
    assert_non_null(o.origin[SO_TABLE]);
    stack_outputs_free(&o);
}

static void s_expect_stack_extras(const char *text)
{
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(outputs_paste_parse(text, strlen(text), &o, NULL, &error), 0);
    assert_string_equal(o.document_bucket, BUCKET);
    assert_string_equal(o.vpc, "vpc-0abc1234def567890");
    assert_int_equal(o.npublic_subnets, 2);
    assert_string_equal(o.public_subnets[0], "subnet-0123456789abcdef0");
    assert_non_null(o.db_secret_arn);
    assert_true(o.from_output_keys);
    assert_null(o.container);
    stack_outputs_free(&o);
}

static char *s_expect_error(const char *text, size_t len)
{
    struct stack_outputs o;
    char *error = NULL;
    int rc = outputs_paste_parse(text, len, &o, NULL, &error);
    assert_int_equal(rc, -1);
    assert_non_null(error);
    /* never a partial result */
    assert_null(o.table);
    assert_null(o.cluster);
    assert_int_equal(o.nsubnets, 0);
    return error;
}

static void s_expect_error_contains(const char *text, const char *needle1, const char *needle2)
{
    char *error = s_expect_error(text, strlen(text));
    if (!strstr(error, needle1) || (needle2 && !strstr(error, needle2)))
        fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", error, needle1, needle2 ? needle2 : "");
    free(error);
}

static void test_console_tabs_crlf_bom(void **state)
{
    (void)state;
    s_expect_full(FX_CONSOLE_EN_CRLF_TXT, strlen(FX_CONSOLE_EN_CRLF_TXT), PASTE_FORMAT_CONSOLE, true);
    s_expect_stack_extras(FX_CONSOLE_EN_CRLF_TXT);
}

static void test_console_japanese_spaces(void **state)
{
    (void)state;
    s_expect_full(FX_CONSOLE_JA_SPACES_TXT, strlen(FX_CONSOLE_JA_SPACES_TXT), PASTE_FORMAT_CONSOLE, true);
}

static void test_console_wrapped_value(void **state)
{
    (void)state;
    s_expect_full(FX_CONSOLE_WRAPPED_TXT, strlen(FX_CONSOLE_WRAPPED_TXT), PASTE_FORMAT_CONSOLE, true);
}

static void test_console_stray_spaces_and_lone_cr(void **state)
{
    (void)state;
    const char *t = "  EmbeddingClusterName8D4B9D3A \t " CLUSTER " \t - \r"
                    "DatabaseConversationTableNameC2A8A4C2\t" TABLE "\r"
                    "\xc2\xa0" "EmbeddingTaskDefinitionName5B2F0C6E\t" TASKDEF "\r"
                    "EmbeddingTaskSecurityGroupId1A2B3C4D\t" SG "\xe3\x80\x80\r"
                    "\r"
                    "PrivateSubnetId0   " SUBNET0 "   the first private subnet\r";
    s_expect_full(t, strlen(t), PASTE_FORMAT_CONSOLE, false);
}

static void test_json_whole(void **state)
{
    (void)state;
    s_expect_full(FX_DESCRIBE_STACKS_JSON, strlen(FX_DESCRIBE_STACKS_JSON), PASTE_FORMAT_JSON, true);
    s_expect_stack_extras(FX_DESCRIBE_STACKS_JSON);
}

static void test_json_outputs_array(void **state)
{
    (void)state;
    s_expect_full(FX_OUTPUTS_ARRAY_JSON, strlen(FX_OUTPUTS_ARRAY_JSON), PASTE_FORMAT_JSON, true);
}

static void test_json_cdk_outputs(void **state)
{
    (void)state;
    s_expect_full(FX_CDK_OUTPUTS_JSON, strlen(FX_CDK_OUTPUTS_JSON), PASTE_FORMAT_JSON, true);
}

static void test_cli_text(void **state)
{
    (void)state;
    s_expect_full(FX_CLI_TEXT_TXT, strlen(FX_CLI_TEXT_TXT), PASTE_FORMAT_CLI_TEXT, true);
    s_expect_stack_extras(FX_CLI_TEXT_TXT);
}

static void test_cli_table(void **state)
{
    (void)state;
    s_expect_full(FX_CLI_TABLE_TXT, strlen(FX_CLI_TABLE_TXT), PASTE_FORMAT_CLI_TABLE, true);
    s_expect_stack_extras(FX_CLI_TABLE_TXT);
}

static void test_box_table(void **state)
{
    (void)state;
    s_expect_full(FX_BOX_TABLE_TXT, strlen(FX_BOX_TABLE_TXT), PASTE_FORMAT_CLI_TABLE, true);
}

static void test_env_exports(void **state)
{
    (void)state;
    s_expect_full(FX_ENV_EXPORTS_SH, strlen(FX_ENV_EXPORTS_SH), PASTE_FORMAT_ASSIGNMENTS, true);
}

static void test_guide_python_block(void **state)
{
    (void)state;
    s_expect_full(FX_GUIDE_PYTHON_PY, strlen(FX_GUIDE_PYTHON_PY), PASTE_FORMAT_ASSIGNMENTS, false);
    struct stack_outputs o;
    char *error = NULL;
    assert_int_equal(outputs_paste_parse(FX_GUIDE_PYTHON_PY, strlen(FX_GUIDE_PYTHON_PY), &o, NULL, &error), 0);
    assert_string_equal(o.container, "Container");
    assert_false(o.from_output_keys);
    assert_string_equal(o.origin[SO_CLUSTER], "CLUSTER_NAME (line 5)");
    stack_outputs_free(&o);
}

static void test_python_annotations_and_single_quotes(void **state)
{
    (void)state;
    const char *t = "table_name: str = '" TABLE "'\n"
                    "CLUSTER_NAME='" CLUSTER "';\n"
                    "TASK_DEFINITION_NAME = \"" TASKDEF "\"   # family\n"
                    "SECURITY_GROUP_ID = \"" SG "\"\n"
                    "SUBNET_ID = \"" SUBNET0 "\"\n";
    s_expect_full(t, strlen(t), PASTE_FORMAT_ASSIGNMENTS, false);
}

static void test_every_format_same_set(void **state)
{
    (void)state;
    const char *texts[] = {FX_CONSOLE_EN_CRLF_TXT, FX_DESCRIBE_STACKS_JSON, FX_CLI_TEXT_TXT,
                           FX_CLI_TABLE_TXT, FX_BOX_TABLE_TXT, FX_CDK_OUTPUTS_JSON};
    struct stack_outputs first;
    char *error = NULL;
    assert_int_equal(outputs_paste_parse(texts[0], strlen(texts[0]), &first, NULL, &error), 0);
    for (size_t i = 1; i < sizeof texts / sizeof *texts; i++) {
        struct stack_outputs o;
        assert_int_equal(outputs_paste_parse(texts[i], strlen(texts[i]), &o, NULL, &error), 0);
        assert_string_equal(o.table, first.table);
        assert_string_equal(o.document_bucket, first.document_bucket);
        assert_int_equal(o.nsubnets, first.nsubnets);
        assert_int_equal(o.npublic_subnets, first.npublic_subnets);
        assert_string_equal(o.db_hostname, first.db_hostname);
        stack_outputs_free(&o);
    }
    stack_outputs_free(&first);
}

static void test_broken_json_line(void **state)
{
    (void)state;
    const char *t = "{\"Stacks\": [{\"StackName\": \"BedrockChatStack\",\n"
                    "  \"Outputs\": [\n"
                    "    {\"OutputKey\": \"VpcId\" \"OutputValue\": \"vpc-1\"}\n"
                    "  ]}]}\n";
    s_expect_error_contains(t, "line 3", "expected describe-stacks JSON");
    s_expect_error_contains("[{\"OutputKey\": \"VpcId\"}]", "OutputValue", NULL);
    s_expect_error_contains("{\"Outputs\": 3}", "not an array", NULL);
    s_expect_error_contains("{}", "no stack outputs", NULL);
    s_expect_error_contains("{\"a\": 1}", "not a map", NULL);
    s_expect_error_contains("{\"Stacks\": []} trailing", "line 1", "after the JSON");
}

static void test_broken_assignment_line(void **state)
{
    (void)state;
    s_expect_error_contains("TABLE_NAME = \"" TABLE "\"\nCLUSTER_NAME = \"" CLUSTER "\nSUBNET_ID = \"x\"\n",
                            "line 2", "closing quote");
    s_expect_error_contains("# vars\nTABLE_NAME = \"" TABLE "\"\n\nimport boto3\n", "line 4",
                            "TABLE_NAME = ");
    s_expect_error_contains("TABLE_NAME = \"" TABLE "\" and more\n", "line 1", "# comment");
}

static void test_placeholders_refused(void **state)
{
    (void)state;
    const char *t = "TABLE_NAME = \"BedrockChatStack-DatabaseConversationTableXXXXX\"\n"
                    "CLUSTER_NAME = \"" CLUSTER "\"\n"
                    "TASK_DEFINITION_NAME = \"" TASKDEF "\"\n"
                    "SUBNET_ID = \"subnet-xxxxx\"\n"
                    "SECURITY_GROUP_ID = \"" SG "\"\n";
    s_expect_error_contains(t, "line 1: TABLE_NAME", "placeholder");
    s_expect_error_contains(t, "line 4: SUBNET_ID", "placeholder");
}

static void test_console_bad_row(void **state)
{
    (void)state;
    s_expect_error_contains("EmbeddingClusterName8D4B9D3A\t" CLUSTER "\n"
                            "--> oops\there\n", "line 2", "output key");
    s_expect_error_contains("lonely\n", "line 1", "separated by a tab");
    s_expect_error_contains("OUTPUTS\tonlyone\n", "line 1", "OUTPUTS followed");
    s_expect_error_contains("OUTPUTS\ta\tb\tc\nnot a text row\n", "line 2", "--output text");
    s_expect_error_contains("| Key | Value |\nKey Value\n", "line 2", "starting with |");
}

static void test_missing_keys_say_where(void **state)
{
    (void)state;
    const char *t = "DatabaseConversationTableNameC2A8A4C2\t" TABLE "\n"
                    "EmbeddingTaskSecurityGroupId1A2B3C4D\t" SG "\n";
    char *e = s_expect_error(t, strlen(t));
    assert_non_null(strstr(e, "EmbeddingClusterName"));
    assert_non_null(strstr(e, "EmbeddingTaskDefinitionName"));
    assert_non_null(strstr(e, "PrivateSubnetId"));
    assert_non_null(strstr(e, "CloudFormation › BedrockChatStack › Outputs"));
    assert_null(strstr(e, "the DynamoDB table"));
    free(e);
}

static void test_ambiguous_lists_candidates(void **state)
{
    (void)state;
    const char *t = "DatabaseConversationTableNameC2A8A4C2\t" TABLE "\n"
                    "EmbeddingClusterName8D4B9D3A\t" CLUSTER "\n"
                    "EmbeddingClusterNameFFFF0000\tOtherStack-EmbeddingCluster\n"
                    "EmbeddingTaskDefinitionName5B2F0C6E\t" TASKDEF "\n"
                    "EmbeddingTaskSecurityGroupId1A2B3C4D\t" SG "\n"
                    "PrivateSubnetId0\t" SUBNET0 "\n";
    char *e = s_expect_error(t, strlen(t));
    assert_non_null(strstr(e, "ambiguous"));
    assert_non_null(strstr(e, "EmbeddingClusterName8D4B9D3A (line 2)"));
    assert_non_null(strstr(e, "EmbeddingClusterNameFFFF0000 (line 3)"));
    free(e);
}

static void test_json_several_stacks(void **state)
{
    (void)state;
    const char *one = "{\"OutputKey\":\"DatabaseConversationTableNameA\",\"OutputValue\":\"" TABLE "\"},"
                      "{\"OutputKey\":\"EmbeddingClusterNameA\",\"OutputValue\":\"" CLUSTER "\"},"
                      "{\"OutputKey\":\"EmbeddingTaskDefinitionNameA\",\"OutputValue\":\"" TASKDEF "\"},"
                      "{\"OutputKey\":\"EmbeddingTaskSecurityGroupIdA\",\"OutputValue\":\"" SG "\"},"
                      "{\"OutputKey\":\"PrivateSubnetId0\",\"OutputValue\":\"" SUBNET0 "\"}";
    char *two = xasprintf("{\"Stacks\":[{\"StackName\":\"Prod\",\"Outputs\":[%s]},"
                          "{\"StackName\":\"Dev\",\"Outputs\":[%s]}]}", one, one);
    s_expect_error_contains(two, "Prod, Dev", "--stack-name");
    free(two);
    /* One Bedrock Chat stack among unrelated ones is picked. */
    char *mixed = xasprintf("{\"Stacks\":[{\"StackName\":\"CDKToolkit\",\"Outputs\":[{\"OutputKey\":"
                            "\"BucketName\",\"OutputValue\":\"cdk-bucket\"}]},"
                            "{\"StackName\":\"Prod\",\"Outputs\":[%s]}]}", one);
    s_expect_full(mixed, strlen(mixed), PASTE_FORMAT_JSON, false);
    free(mixed);
}

static void test_public_subnet_refused(void **state)
{
    (void)state;
    const char *t = "DatabaseConversationTableNameC2A8A4C2\t" TABLE "\n"
                    "EmbeddingClusterName8D4B9D3A\t" CLUSTER "\n"
                    "EmbeddingTaskDefinitionName5B2F0C6E\t" TASKDEF "\n"
                    "EmbeddingTaskSecurityGroupId1A2B3C4D\t" SG "\n"
                    "PrivateSubnetId0\t" SUBNET0 "\n"
                    "PublicSubnetId0\t" SUBNET0 "\n";
    s_expect_error_contains(t, SUBNET0, "private and as a public");
}

static void test_bad_values(void **state)
{
    (void)state;
    const char *t = "TABLE_NAME = \"" TABLE "\"\nCLUSTER_NAME = \"" CLUSTER "\"\n"
                    "TASK_DEFINITION_NAME = \"" TASKDEF "\"\nSUBNET_ID = \"" SUBNET0 "\"\n"
                    "SECURITY_GROUP_ID = \"subnet-0123\"\n";
    s_expect_error_contains(t, "line 5", "security group id");
    s_expect_error_contains("TABLE_NAME = \"a b\"\n", "line 1", "spaces");
}

static void test_bounds(void **state)
{
    (void)state;
    size_t big = STACK_OUTPUTS_MAX_INPUT + 1;
    char *t = xmalloc(big);
    memset(t, 'a', big);
    char *e = s_expect_error(t, big);
    assert_non_null(strstr(e, "more than"));
    free(e);
    size_t longline = STACK_OUTPUTS_MAX_LINE + 10;
    memcpy(t, "VpcId\tvpc-1\n", 12);
    e = s_expect_error(t, 12 + longline);
    assert_non_null(strstr(e, "line 2 is longer"));
    free(e);
    t[3] = '\0';
    e = s_expect_error(t, 12);
    assert_non_null(strstr(e, "NUL"));
    free(e);
    free(t);
    e = s_expect_error("", 0);
    assert_non_null(strstr(e, "empty"));
    free(e);
    e = s_expect_error("\xef\xbb\xbf\r\n  \n# only a comment\n", 21);
    assert_non_null(strstr(e, "empty"));
    free(e);
}

static void test_not_nul_terminated(void **state)
{
    (void)state;
    /* The wizard hands over a buffer with a length, not a C string. */
    size_t n = strlen(FX_DESCRIBE_STACKS_JSON);
    char *copy = xmalloc(n);
    memcpy(copy, FX_DESCRIBE_STACKS_JSON, n);
    s_expect_full(copy, n, PASTE_FORMAT_JSON, true);
    free(copy);
    n = strlen(FX_CONSOLE_EN_CRLF_TXT);
    copy = xmalloc(n);
    memcpy(copy, FX_CONSOLE_EN_CRLF_TXT, n);
    s_expect_full(copy, n, PASTE_FORMAT_CONSOLE, true);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_console_tabs_crlf_bom),
        cmocka_unit_test(test_console_japanese_spaces),
        cmocka_unit_test(test_console_wrapped_value),
        cmocka_unit_test(test_console_stray_spaces_and_lone_cr),
        cmocka_unit_test(test_json_whole),
        cmocka_unit_test(test_json_outputs_array),
        cmocka_unit_test(test_json_cdk_outputs),
        cmocka_unit_test(test_cli_text),
        cmocka_unit_test(test_cli_table),
        cmocka_unit_test(test_box_table),
        cmocka_unit_test(test_env_exports),
        cmocka_unit_test(test_guide_python_block),
        cmocka_unit_test(test_python_annotations_and_single_quotes),
        cmocka_unit_test(test_every_format_same_set),
        cmocka_unit_test(test_broken_json_line),
        cmocka_unit_test(test_broken_assignment_line),
        cmocka_unit_test(test_placeholders_refused),
        cmocka_unit_test(test_console_bad_row),
        cmocka_unit_test(test_missing_keys_say_where),
        cmocka_unit_test(test_ambiguous_lists_candidates),
        cmocka_unit_test(test_json_several_stacks),
        cmocka_unit_test(test_public_subnet_refused),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_not_nul_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
