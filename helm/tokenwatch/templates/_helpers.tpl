{{- define "tokenwatch.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tokenwatch.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tokenwatch.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Environment both the topology and the notifier need: secrets by reference only. */}}
{{- define "tokenwatch.secretEnv" -}}
{{- if .Values.kafka.saslJaasConfigSecret.name }}
- name: TOKENWATCH_KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.saslJaasConfigSecret.name }}
      key: {{ .Values.kafka.saslJaasConfigSecret.key }}
{{- end }}
{{- if .Values.schemaRegistry.basicAuthSecret.name }}
- name: TOKENWATCH_KAFKA_BASIC_AUTH_CREDENTIALS_SOURCE
  value: USER_INFO
- name: TOKENWATCH_KAFKA_BASIC_AUTH_USER_INFO
  valueFrom:
    secretKeyRef:
      name: {{ .Values.schemaRegistry.basicAuthSecret.name }}
      key: {{ .Values.schemaRegistry.basicAuthSecret.key }}
{{- end }}
{{- if .Values.kafka.truststoreSecret.name }}
- name: TOKENWATCH_KAFKA_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.truststoreSecret.name }}
      key: {{ .Values.kafka.truststoreSecret.passwordKey }}
- name: TOKENWATCH_KAFKA_SCHEMA_REGISTRY_SSL_TRUSTSTORE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.truststoreSecret.name }}
      key: {{ .Values.kafka.truststoreSecret.passwordKey }}
{{- end }}
{{- end -}}

{{/* Mounts both need: the properties file, /tmp (RocksDB and the JVM unpack native code), the trust store. */}}
{{- define "tokenwatch.commonMounts" -}}
- name: config
  mountPath: /etc/tokenwatch
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.kafka.truststoreSecret.name }}
- name: truststore
  mountPath: /etc/tokenwatch-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "tokenwatch.commonVolumes" -}}
- name: config
  configMap:
    name: {{ include "tokenwatch.fullname" . }}
- name: tmp
  emptyDir: {}
{{- if .Values.kafka.truststoreSecret.name }}
- name: truststore
  secret:
    secretName: {{ .Values.kafka.truststoreSecret.name }}
    items:
      - key: {{ .Values.kafka.truststoreSecret.key }}
        path: truststore.p12
{{- end }}
{{- end -}}

{{- define "tokenwatch.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{- define "tokenwatch.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
{{- end -}}
